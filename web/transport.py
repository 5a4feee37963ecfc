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

from .library_patches import end_session, use_websocket

log = logging.getLogger(__name__)

# simple-websocket reads 4 KiB at a time by default: eleven reads, and as many parser runs,
# for one 43 KB JPEG.
RECEIVE_BYTES = 64 * 1024


def cap_websockets(socketio, max_message_bytes: int) -> None:
    """Make `socketio`'s WebSockets close any message over `max_message_bytes` as it arrives."""
    # Under eventlet this changes nothing: its own WebSocket caps frames (max_frame_length, 8 MiB).
    use_websocket(socketio, _Tracked, max_message_size=max_message_bytes,
                  receive_bytes=RECEIVE_BYTES)


_connections = {}  # Engine.IO sid -> the TCP socket its WebSocket runs on
_connections_lock = threading.Lock()


class _Tracked:
    """Remembers which TCP socket serves an Engine.IO session while its WebSocket runs."""

    def __init__(self, eio_sid, environ):
        self.eio_sid = eio_sid
        self.connection = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")

    def __enter__(self):
        with _connections_lock:
            _connections[self.eio_sid] = self.connection

    def __exit__(self, *_exc):
        with _connections_lock:
            if _connections.get(self.eio_sid) is self.connection:
                del _connections[self.eio_sid]


def close_session(eio, eio_sid: str) -> None:
    """Close an Engine.IO session now, never waiting for its client to fetch the goodbye."""
    end_session(eio, eio_sid)
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
