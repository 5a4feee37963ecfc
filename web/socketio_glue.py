"""What the streaming layer needs from Flask-SocketIO: its runtime, unsent-packet counts, whole packets."""

import contextlib
import threading

from streaming.runtime import Runtime, call_here


def runtime_for(socketio, async_mode, cpu_threads):
    """Build the runtime for Flask-SocketIO's async mode.

    In threading mode workers are OS threads and do CPU work themselves. Under
    eventlet, workers are green threads, and CPU work goes to eventlet's pool of
    OS threads so the event loop keeps serving sockets.
    """
    run_cpu = call_here
    if async_mode == "eventlet":
        from eventlet import tpool

        tpool.set_num_threads(cpu_threads)
        run_cpu = tpool.execute
    return Runtime(
        start_task=socketio.start_background_task,
        make_queue=socketio.server.eio.create_queue,
        sleep=socketio.sleep,
        run_cpu=run_cpu,
    )


def unsent_events(socketio, event, namespace="/"):
    """Return a function: Socket.IO sid -> `event`s queued but not yet written to its socket.

    Only that event's packets count: a few small ones (settings, stats, acks) waiting behind
    a busy writer say nothing about whether the client keeps up with frames.
    """
    server = socketio.server
    # How the event's packet starts: '42["name"' as text, '451-["name"' with attachments.
    mark = f'["{event}"'

    def unsent(sid):
        eio_sid = server.manager.eio_sid_from_sid(sid, namespace)
        socket = server.eio.sockets.get(eio_sid) if eio_sid else None
        if socket is None:
            return 0
        # The writer pops packets from another thread; copy them under the queue's own lock
        # (eventlet's queue has none, and nothing else runs while a green thread copies).
        with getattr(socket.queue, "mutex", contextlib.nullcontext()):
            packets = list(socket.queue.queue)
        return sum(1 for packet in packets
                   if packet is not None and isinstance(packet.data, str)
                   and mark in packet.data[:len(mark) + 8])

    return unsent


def serialize_packets(socketio):
    """Make every Socket.IO packet go out whole, even when threads emit at the same time.

    A binary event is several Engine.IO packets (the event, then each attachment), and
    python-socketio sends them one by one without a lock. A worker sending a frame while
    another thread sends `stats` or an ack to the same client could slip a packet between
    them, and the client would then misread the frame. One lock around both send paths
    keeps each event's packets together; it is held only while packets are queued.
    """
    server = socketio.server
    lock = threading.RLock()
    emit, send_packet = server.manager.emit, server._send_packet

    def emit_whole(*args, **kwargs):
        with lock:
            return emit(*args, **kwargs)

    def send_packet_whole(*args, **kwargs):
        with lock:
            return send_packet(*args, **kwargs)

    server.manager.emit = emit_whole
    server._send_packet = send_packet_whole
