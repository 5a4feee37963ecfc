"""Engine.IO's transports as this server runs them: WebSocket messages capped, sessions closed at once.

python-engineio hands simple-websocket no message limit, and checks its own only once a whole
message is in memory: a client declaring 4 GiB is buffered until it stops. simple-websocket's
own `max_message_size` counts as the message arrives and closes the connection (1009) as
soon as it is over. And Engine.IO's `disconnect` waits until the client has fetched its
goodbye, which a long-polling client that went away never does; so sessions are closed here
without waiting, and a WebSocket's TCP connection is shut down so its threads end at once.
"""

import logging
import socket
import threading

from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

log = logging.getLogger(__name__)

# simple-websocket reads 4 KiB at a time by default: eleven reads, and as many parser runs,
# for one 43 KB JPEG.
RECEIVE_BYTES = 64 * 1024


def cap_websockets(socketio, max_message_bytes: int) -> None:
    """Make `socketio`'s WebSockets close any message over `max_message_bytes` as it arrives."""
    eio = socketio.server.eio
    websocket = eio._async.get("websocket")
    if websocket is not SimpleWebSocketWSGI:
        return  # eventlet's own WebSocket caps frames itself (max_frame_length, 8 MiB)

    class CappedWebSocket(_TrackedWebSocket):
        def __init__(self, handler, server, **options):
            super().__init__(handler, server, max_message_size=max_message_bytes,
                             receive_bytes=RECEIVE_BYTES, **options)

    # A copy: the driver's table is shared by every server in the process.
    eio._async = {**eio._async, "websocket": CappedWebSocket}


_connections = {}  # Engine.IO sid -> the TCP socket its WebSocket runs on
_connections_lock = threading.Lock()


class _TrackedWebSocket(SimpleWebSocketWSGI):
    """simple-websocket's WSGI wrapper, remembering which TCP socket serves which session."""

    def __call__(self, environ, start_response):
        sid = getattr(self.app, "__self__", None) and self.app.__self__.sid
        connection = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        with _connections_lock:
            _connections[sid] = connection
        try:
            return super().__call__(environ, start_response)
        finally:
            with _connections_lock:
                if _connections.get(sid) is connection:
                    del _connections[sid]

    def close(self):
        try:
            super().close()
        except OSError:  # the TCP connection was shut down already: nothing left to tell
            pass


def close_session(eio, eio_sid: str) -> None:
    """Close an Engine.IO session now, never waiting for its client to fetch the goodbye."""
    session = eio.sockets.pop(eio_sid, None)
    if session is not None:
        session.close(wait=False, reason=eio.reason.SERVER_DISCONNECT)
    with _connections_lock:
        connection = _connections.get(eio_sid)
    if connection is not None:
        _cut(connection)


def _cut(connection):
    """Shut a TCP connection down, so the threads blocked reading from it wake up and end.

    Closing the WebSocket only sends a close frame; a peer that never answers it would keep
    the connection, and the three threads that serve it, until it went away by itself.
    """
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the peer
        pass
