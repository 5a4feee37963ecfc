"""What the streaming layer needs from Flask-SocketIO: its runtime, and unsent-frame counts."""

from streaming.runtime import Runtime, call_here

from .library_patches import queued_texts


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
    # How the event's packet starts: '42["name"' as text, '451-["name"' with attachments.
    mark = f'["{event}"'

    def unsent(sid):
        return sum(1 for text in queued_texts(socketio, sid, namespace)
                   if mark in text[:len(mark) + 8])

    return unsent
