"""Listen for an ESP32 that pushes JPEGs over a WebSocket (`ws://SERVER:3001/ws`, one frame a message)."""

import logging
import socketserver
import urllib.parse

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection,
                            Request, TextMessage)
from wsproto.utilities import ProtocolError

from protocol import MAX_FRAME_BYTES

from ..jpeg import trim_jpeg

log = logging.getLogger(__name__)

RECEIVE_SIZE = 64 * 1024


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class PushCamera:
    """A small WebSocket server: text messages (the sketch's hello) are logged, binary ones are frames."""

    def __init__(self, listen_url, idle_timeout_s=30.0, max_message_bytes=MAX_FRAME_BYTES):
        parts = urllib.parse.urlsplit(listen_url)
        if parts.scheme != "ws":
            raise ValueError(f"a push address looks like ws://0.0.0.0:3001/ws, not {listen_url!r}")
        self.host = parts.hostname or "0.0.0.0"
        self.port = 3001 if parts.port is None else parts.port
        self.path = parts.path or "/ws"
        self.idle_timeout_s = idle_timeout_s
        self.max_message_bytes = max_message_bytes
        self.address = None
        self.connections = self.frames = self.bad_messages = 0
        self._server = None
        self._slot = None
        self._serving = False
        self._active = set()

    def __repr__(self):
        return f"PushCamera(ws://{self.host}:{self.port}{self.path})"

    def open(self):
        """Bind the listening socket now, so a port in use fails at start-up."""
        self._server = _Server((self.host, self.port), _Handler, bind_and_activate=True)
        self._server.source = self
        self.address = self._server.server_address
        log.info("waiting for cameras on ws://%s:%d%s", self.address[0], self.address[1], self.path)

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

    def serve_connection(self, sock, peer):
        """Speak WebSocket with one camera until it leaves (one thread per camera)."""
        self._active.add(sock)
        # A camera that loses Wi-Fi rarely closes its socket; an idle timeout frees the thread.
        sock.settimeout(self.idle_timeout_s)
        ws = WSConnection(ConnectionType.SERVER)
        message = _Message(self.max_message_bytes)
        try:
            while True:
                data = sock.recv(RECEIVE_SIZE)
                ws.receive_data(data or None)
                for event in ws.events():
                    reply = self._handle(event, message, peer)
                    # A close made up by wsproto for a vanished camera needs no answer.
                    if reply is not None and ws.state is not ConnectionState.CLOSED:
                        sock.sendall(ws.send(reply))
                    if isinstance(event, CloseConnection) or isinstance(reply, RejectConnection):
                        return
                if not data:
                    log.info("camera %s:%d went away", *peer[:2])
                    return
        except (OSError, ProtocolError) as exc:
            log.warning("camera %s:%d: %s", peer[0], peer[1], exc or type(exc).__name__)
        finally:
            self._active.discard(sock)

    def _handle(self, event, message, peer):
        """Return the event to send back, if any."""
        if isinstance(event, Request):
            if event.target.split("?")[0] != self.path:
                log.warning("refused %s:%d asking for %s", peer[0], peer[1], event.target)
                return RejectConnection(status_code=404)
            self.connections += 1
            log.info("camera %s:%d connected", *peer[:2])
            return AcceptConnection()
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
