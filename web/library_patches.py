"""Every use of python-socketio's and python-engineio's private API, in one module.

Private here means a name with a leading underscore, a method or handler of a library's object
replaced at run time, or a library's internal structure read or changed. Each patch says why
it exists and what it relies on; all were read against the versions in CHECKED, and
tests/unit/test_library_patches.py fails when an installed version or a patched name differs.
The rest of the server calls these functions and keeps its own policy (the caps, the sweeper,
the ping timer) where it is. The bridge's client overrides two private methods of the client
libraries (bridge/socketio_client.py): the bridge imports nothing of the server, so that patch
stays there, and the same test checks it.
"""

import contextlib
import functools
import threading
import time
from typing import Callable, ContextManager

from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

# The versions each patch below was checked against. After an upgrade, re-read every patch
# against the new source, then update these.
CHECKED = {"python-socketio": "5.18.1", "python-engineio": "4.15.1"}


def send_events_whole(socketio, local_skips_queue: bool = False) -> None:
    """Send each Socket.IO event's packets together; with `local_skips_queue`, skip the queue here.

    Why: a binary event is several Engine.IO packets (the event, then each attachment), and
    python-socketio sends them one by one without a lock. A worker sending a frame while another
    thread sends `stats` or an ack to the same client could slip a packet between them, and the
    client would misread the frame; one lock around both send paths keeps each event together.
    With a message queue (web/scale_out.py), an emit to a client of this instance, or a broadcast,
    goes straight to its sockets (`ignore_queue`): through the queue a frame would cross Redis
    twice as base64, and a Redis outage would cut off local clients.
    Relies on: Manager.emit(event, data, namespace, room, skip_sid, callback, to, **kwargs),
    PubSubManager.emit's `ignore_queue`, Server._send_packet(eio_sid, pkt).
    """
    server = socketio.server
    manager = server.manager
    lock = threading.RLock()  # held only while packets are queued for the writers
    emit, send_packet = manager.emit, server._send_packet

    def emit_whole(event, data, namespace=None, room=None, skip_sid=None, callback=None,
                   to=None, **kwargs):
        room = to or room
        if local_skips_queue and (room is None or manager.is_connected(room, namespace or "/")):
            kwargs["ignore_queue"] = True
        with lock:
            return emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                        callback=callback, **kwargs)

    def send_packet_whole(*args, **kwargs):
        with lock:
            return send_packet(*args, **kwargs)

    manager.emit = emit_whole  # the only wrapper of Manager.emit
    server._send_packet = send_packet_whole


def quiet_queue_logs(socketio, logger) -> None:
    """Make the message queue's manager log to `logger` instead of python-socketio's logger.

    Why: python-socketio's queue logs every retry while Redis is down; the cluster logs one
    line. Flask-SocketIO builds the manager itself, so its `logger` argument cannot be passed.
    Relies on: BaseManager.logger, read by BaseManager._get_logger.
    """
    socketio.server.manager.logger = logger


def wrap_engineio_handler(socketio, event: str, wrapper: Callable) -> None:
    """Make Engine.IO call `wrapper(handler, *args)` for `event`, `handler` being the one it had.

    Why: python-socketio registered its own Engine.IO handlers (connect, message, disconnect)
    when it was built, and offers no hook in front of them: the packet guard, the handshake
    sweeper and the shared ping timer each need one.
    Relies on: Server.handlers (event -> handler), which Server._trigger_event calls with the
    event's arguments; python-socketio's BaseServer registers _handle_eio_connect,
    _handle_eio_message and _handle_eio_disconnect there.
    """
    eio = socketio.server.eio
    eio.handlers[event] = functools.partial(wrapper, eio.handlers[event])


def in_partial_event(socketio, eio_sid: str) -> bool:
    """Tell whether the connection `eio_sid` is part way through a binary event's attachments.

    Relies on: Server._binary_packet (Engine.IO sid -> the event waiting for its attachments).
    """
    return eio_sid in socketio.server._binary_packet


def drop_partial_event(socketio, eio_sid: str) -> None:
    """Forget a half-received binary event, so that it cannot swallow the next packets.

    Why: python-socketio buffers every message after a binary event's header as its attachments
    until the declared count has come; the packet guard drops a refused or malformed one.
    Relies on: Server._binary_packet.
    """
    socketio.server._binary_packet.pop(eio_sid, None)


def queued_texts(socketio, sid: str, namespace: str = "/") -> list:
    """Return the text packets queued for Socket.IO client `sid` but not yet written to its socket.

    Why: the hub skips a frame for a client that has not taken the last ones, and neither
    library counts unsent packets. The writer pops them from another thread, so they are copied
    under the queue's own lock (eventlet's queue has none, and nothing else runs while a green
    thread copies).
    Relies on: Manager.eio_sid_from_sid, Server.sockets, Socket.queue (a queue.Queue or
    eventlet's; its `mutex` and `queue`), engineio Packet.data.
    """
    server = socketio.server
    eio_sid = server.manager.eio_sid_from_sid(sid, namespace)
    session = server.eio.sockets.get(eio_sid) if eio_sid else None
    if session is None:
        return []
    with getattr(session.queue, "mutex", contextlib.nullcontext()):
        packets = list(session.queue.queue)
    return [packet.data for packet in packets
            if packet is not None and isinstance(packet.data, str)]


def end_session(eio, eio_sid: str) -> None:
    """Close an Engine.IO session at once, never waiting for its client to fetch the goodbye.

    Why: Server.disconnect waits until the client has fetched its goodbye, which a long-polling
    client that went away never does.
    Relies on: Server.sockets, Socket.close(wait, abort, reason), Server.reason.SERVER_DISCONNECT.
    """
    session = eio.sockets.pop(eio_sid, None)
    if session is not None:
        session.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)


def schedule_pings_with(socketio, schedule: Callable) -> None:
    """Make each new Engine.IO session call `schedule(session)` for its pings, not start a thread.

    Why: in threading mode python-engineio starts a thread per session that sleeps the ping
    interval before each ping; web/pings.py sends them all from one thread.
    Relies on: Socket.schedule_ping(), which Engine.IO calls right after the connect event and
    again on every pong.
    """
    eio = socketio.server.eio

    def connect(on_connect, eio_sid, environ, *args):
        session = eio.sockets.get(eio_sid)
        if session is not None:
            session.schedule_ping = lambda: schedule(session)
        return on_connect(eio_sid, environ, *args)

    wrap_engineio_handler(socketio, "connect", connect)


def claim_ping(session) -> bool:
    """Tell whether `session` may have a ping scheduled (none is on its way); if so, mark it as due.

    Relies on: Socket.last_ping, None while a ping is due, as Socket.schedule_ping sets it.
    """
    if not session.last_ping:
        return False
    session.last_ping = None
    return True


def send_ping(session) -> bool:
    """Queue a PING for `session` as Socket._send_ping does; False if the session is closing.

    Relies on: Socket.closing, Socket.closed, Socket.last_ping, Socket.send(packet).
    """
    if session.closing or session.closed:
        return False
    session.last_ping = time.time()
    session.send(eio_packet.Packet(eio_packet.PING))  # only queues it for the writer
    return True


def use_websocket(socketio, tracked: Callable[[str, dict], ContextManager], **options) -> bool:
    """Run `socketio`'s WebSockets with simple-websocket `options`, in `tracked(eio_sid, environ)`.

    Why: python-engineio hands simple-websocket no options, so neither a message cap that counts
    as the message arrives (`max_message_size`) nor a larger read size can be set; and closing a
    session cannot cut its TCP connection without knowing which one serves it. Returns False,
    changing nothing, where the async mode's WebSocket is not simple-websocket's (eventlet).
    Relies on: Server._async["websocket"] (the driver's WebSocket class, called as
    cls(Socket._websocket_handler, server)), engineio.async_drivers._websocket_wsgi's
    SimpleWebSocketWSGI(handler, server, **kwargs) passing kwargs to simple_websocket.Server.
    """
    eio = socketio.server.eio
    if eio._async.get("websocket") is not SimpleWebSocketWSGI:
        return False

    class ServerWebSocket(SimpleWebSocketWSGI):
        def __init__(self, handler, server, **more):
            super().__init__(handler, server, **options, **more)

        def __call__(self, environ, start_response):
            # The handler is the session's bound Socket._websocket_handler.
            eio_sid = getattr(self.app, "__self__", None) and self.app.__self__.sid
            with tracked(eio_sid, environ):
                return super().__call__(environ, start_response)

        def close(self):
            try:
                super().close()
            except OSError:  # the TCP connection was shut down already: nothing left to tell
                pass

    # A copy: the driver's table is shared by every server in the process.
    eio._async = {**eio._async, "websocket": ServerWebSocket}
    return True
