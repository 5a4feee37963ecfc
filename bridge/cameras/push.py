"""Listen for an ESP32 that pushes JPEGs over a WebSocket (`ws://SERVER:3001/ws?key=KEY`, one frame a message)."""

import logging
import socket
import socketserver
import threading
import time
import urllib.parse

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection,
                            Request, TextMessage)
from wsproto.utilities import ProtocolError

from protocol import MAX_FRAME_BYTES
from protocol.refusals import RefusalLog

from ..jpeg import trim_jpeg
from .push_key import key_in, keys_match

log = logging.getLogger(__name__)

RECEIVE_SIZE = 64 * 1024
# Connections at once, cameras or not: each holds a thread. A camera that redials while its
# old socket lingers needs two; a third and fourth leave room. Beyond, a newcomer takes the
# place of the oldest connection still without its key, so idle strangers cannot keep the
# camera out; if every place holds a camera, the newcomer is closed unread.
MAX_CONNECTIONS = 4
# A connection must finish its WebSocket handshake, key included, within this.
HANDSHAKE_TIMEOUT_S = 5.0
IDLE_TIMEOUT_S = 30.0


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 64  # a burst of connections waits in the kernel, not in SYN retries

    def verify_request(self, request, client_address):
        # Before a thread is made for it: over the limit, the connection is closed unread.
        return self.source.take_place(client_address)


class PushCamera:
    """A small WebSocket server: text messages (the sketch's hello) are logged, binary ones are frames."""

    def __init__(self, listen_url, key=None, idle_timeout_s=IDLE_TIMEOUT_S,
                 max_message_bytes=MAX_FRAME_BYTES, max_connections=MAX_CONNECTIONS,
                 handshake_timeout_s=HANDSHAKE_TIMEOUT_S):
        parts = urllib.parse.urlsplit(listen_url)
        if parts.scheme != "ws":
            raise ValueError(f"a push address looks like ws://0.0.0.0:3001/ws, not {listen_url!r}")
        self.host = parts.hostname or "0.0.0.0"
        self.port = 3001 if parts.port is None else parts.port
        self.path = parts.path or "/ws"
        self.key = key  # None: anyone who reaches the port may push (tests, a closed network)
        self.idle_timeout_s = idle_timeout_s
        self.handshake_timeout_s = handshake_timeout_s
        self.max_message_bytes = max_message_bytes
        self.max_connections = max_connections
        self.address = None
        self.connections = self.frames = self.bad_messages = 0
        self.refusals = RefusalLog(log, what="camera connection")
        self._server = None
        self._slot = None
        self._serving = False
        self._active = set()
        self._lock = threading.Lock()
        self._open = 0
        self._unkeyed = {}  # socket -> None, oldest first: connections yet to show their key

    def __repr__(self):
        return f"PushCamera(ws://{self.host}:{self.port}{self.path})"

    def open(self):
        """Bind the listening socket now, so a port in use fails at start-up."""
        self._server = _Server((self.host, self.port), _Handler, bind_and_activate=True)
        self._server.source = self
        self.address = self._server.server_address
        log.info("waiting for cameras on ws://%s:%d%s%s", self.address[0], self.address[1],
                 self.path, "?key=… (printed at start)" if self.key else
                 ": no key, anyone who reaches the port may push")

    def url(self, host: str | None = None) -> str:
        """Return the URL a camera pushes to, key included (a secret: print it, never log it)."""
        query = f"?key={self.key}" if self.key else ""
        return f"ws://{host or self.host}:{self.address[1] if self.address else self.port}{self.path}{query}"

    def run(self, slot, stop):
        """Accept camera connections until `close()` (the reader thread's body)."""
        self._slot = slot
        if not stop.is_set():
            self._serving = True
            self._server.serve_forever(poll_interval=0.2)

    def close(self):
        """Stop listening and drop the connected cameras (called from another thread)."""
        if self._server is not None:
            if self._serving:  # shutdown() would wait forever for a loop that never ran
                self._server.shutdown()
            self._server.server_close()
        for sock in list(self._active):
            sock.close()

    def take_place(self, peer: tuple) -> bool:
        """Tell whether a new connection from `peer` may have a thread (counted until it ends)."""
        with self._lock:
            oldest = None
            if self._open >= self.max_connections:
                oldest = next(iter(self._unkeyed), None)
                if oldest is None:
                    self.refusals.note("too many cameras", f"{peer[0]}, over {self.max_connections}")
                    return False
                del self._unkeyed[oldest]
            self._open += 1  # an evicted connection gives its own back as its thread ends
        if oldest is not None:
            self.refusals.note("pushed out by a newer connection before showing a key")
            _hang_up(oldest)
        return True

    def serve_connection(self, sock, peer):
        """Speak WebSocket with one camera until it leaves (one thread per camera)."""
        self._active.add(sock)
        with self._lock:
            self._unkeyed[sock] = None
        deadline = time.monotonic() + self.handshake_timeout_s
        ws = WSConnection(ConnectionType.SERVER)
        message = _Message(self.max_message_bytes)
        try:
            while True:
                accepted = ws.state is ConnectionState.OPEN
                # A stranger gets HANDSHAKE_TIMEOUT_S in all to show the key; a camera that
                # loses Wi-Fi rarely closes its socket, so an idle timeout frees its thread.
                sock.settimeout(self.idle_timeout_s if accepted
                                else max(0.01, deadline - time.monotonic()))
                data = sock.recv(RECEIVE_SIZE)
                ws.receive_data(data or None)
                for event in ws.events():
                    reply = self._handle(event, message, peer)
                    # A close made up by wsproto for a vanished camera needs no answer.
                    if reply is not None and ws.state is not ConnectionState.CLOSED:
                        sock.sendall(ws.send(reply))
                    if isinstance(reply, AcceptConnection):
                        with self._lock:
                            self._unkeyed.pop(sock, None)  # a camera now: never pushed out
                    if isinstance(event, CloseConnection) or isinstance(reply, RejectConnection):
                        return
                if not data:
                    if accepted:
                        log.info("camera %s:%d went away", *peer[:2])
                    else:
                        self.refusals.note("no WebSocket handshake", f"{peer[0]}: closed")
                    return
        except (OSError, ProtocolError) as exc:
            if ws.state is ConnectionState.OPEN:
                log.warning("camera %s:%d: %s", peer[0], peer[1], exc or type(exc).__name__)
            else:
                self.refusals.note("no WebSocket handshake", f"{peer[0]}: {exc or type(exc).__name__}")
        finally:
            self._active.discard(sock)
            with self._lock:
                self._unkeyed.pop(sock, None)
                self._open -= 1

    def _handle(self, event, message, peer):
        """Return the event to send back, if any."""
        if isinstance(event, Request):
            if event.target.split("?")[0] != self.path:
                self.refusals.note("wrong path", f"{peer[0]} asked for {event.target.split('?')[0][:80]!r}")
                return RejectConnection(status_code=404)
            if self.key is not None and not keys_match(key_in(event.target), self.key):
                self.refusals.note("no key or a wrong one", f"{peer[0]}")
                return RejectConnection(status_code=403)
            self.connections += 1
            log.info("camera %s:%d connected", *peer[:2])
            return AcceptConnection()  # sent by serve_connection, which then marks it keyed
        if isinstance(event, (TextMessage, BytesMessage)):
            whole = message.add(event.data, event.message_finished)
            if whole is None:
                return None
            if isinstance(event, TextMessage):
                log.info("camera %s:%d says %r", peer[0], peer[1], whole[:200])
            else:
                self._frame(whole)
            return None
        if isinstance(event, Ping):
            return event.response()
        if isinstance(event, CloseConnection):
            log.info("camera %s:%d closed (%s)", peer[0], peer[1], event.code)
            return event.response()
        return None

    def _frame(self, data):
        frame = trim_jpeg(data) if data[:2] == b"\xff\xd8" else None
        if frame is None:
            self.bad_messages += 1
            log.warning("dropped a %d-byte message that is not a whole JPEG", len(data))
            return
        self.frames += 1
        self._slot.put(frame)


def _hang_up(sock):
    """End a connection another thread serves: its read returns at once and the thread ends."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # it ended by itself meanwhile


class _Message:
    """Collects the fragments of one WebSocket message, bounded in size."""

    def __init__(self, limit):
        self.limit = limit
        self.parts = []
        self.size = 0

    def add(self, data, finished):
        """Add a fragment; return the whole message when `finished`, else None."""
        self.parts.append(data)
        self.size += len(data)
        if self.size > self.limit:
            raise OSError(f"message over {self.limit} bytes")
        if not finished:
            return None
        whole = self.parts[0][:0].join(self.parts)
        self.parts, self.size = [], 0
        return whole


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.server.source.serve_connection(self.request, self.client_address)
