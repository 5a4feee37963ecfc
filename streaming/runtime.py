"""The few concurrency primitives that differ between threading and eventlet mode."""

import dataclasses
import logging

log = logging.getLogger(__name__)


def _call_here(fn, *args):
    return fn(*args)


@dataclasses.dataclass
class Runtime:
    """How to start tasks, make queues, sleep and run CPU work for one async mode."""

    start_task: object
    make_queue: object
    sleep: object
    run_cpu: object


def runtime_for(socketio, async_mode, cpu_threads):
    """Build the runtime for Flask-SocketIO's async mode.

    In threading mode workers are OS threads and do CPU work themselves. Under
    eventlet, workers are green threads, and CPU work goes to eventlet's pool of
    OS threads so the event loop keeps serving sockets.
    """
    run_cpu = _call_here
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


def outgoing_backlog(socketio, namespace="/"):
    """Return a function: Socket.IO sid -> packets queued but not yet written to its socket."""
    server = socketio.server

    def backlog(sid):
        eio_sid = server.manager.eio_sid_from_sid(sid, namespace)
        socket = server.eio.sockets.get(eio_sid) if eio_sid else None
        return socket.queue.qsize() if socket is not None else 0

    return backlog
