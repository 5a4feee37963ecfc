"""A connection's next request, read whole by the worker's event loop before any thread serves it.

A thread is what a slow client would hold, so the TLS handshake, the request head and its body
are read here without blocking, each within a deadline, and a thread gets only a request that
is all in memory. gunicorn's own parser decides, on the bytes received so far, where the head
ends and how long the body is; the thread's parser then reads the same bytes the same way.
"""

import ssl
import time

from gunicorn import http
from gunicorn.http.body import LengthReader
from gunicorn.http.errors import NoMoreData
from gunicorn.http.message import MAX_REQUEST_LINE, Request
from gunicorn.http.unreader import Unreader

# Seconds for a new connection's TLS handshake and request head, or for a kept-alive
# connection's next head from its first byte; a body then has as long again.
REQUEST_TIMEOUT_S = 5.0
RECEIVE_BYTES = 256 * 1024
# Engine.IO's path: its GETs are long-polls and WebSockets, which hold a thread while open.
SOCKETIO_PREFIX = "/socket.io/"

# What Intake.advance() asks the worker to do next.
WAIT_READ, WAIT_WRITE, READY, REFUSE, CLOSE = "wait-read", "wait-write", "ready", "refuse", "close"


def refusal(status: str, message: str) -> bytes:
    """Return a whole HTTP response that refuses a request and closes its connection."""
    body = f"{message}\n".encode()
    return (f"HTTP/1.1 {status}\r\nServer: gunicorn\r\nConnection: close\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


class _Received(Unreader):
    """gunicorn's unreader over the bytes received so far; running out means 'not whole yet'."""

    def __init__(self, data):
        super().__init__()
        self._data = data

    def chunk(self, size_hint=None):
        data, self._data = self._data, b""
        return data


class Intake:
    """Reads one request into memory, or says why its connection is to be refused or closed."""

    def __init__(self, conn, max_body, tls=None, idle_s=None):
        """`tls`: the context of a new TLS connection; `idle_s`: how long a kept-alive one may wait."""
        self.conn = conn
        self.fd = conn.sock.fileno()
        self.max_body = max_body
        self.refusal = None  # the response to send before closing, with REFUSE
        self.long_lived = False  # a WebSocket or a long-poll
        self._tls = tls
        self._buffer = bytearray(conn.parser.unreader.take_buffered() if conn.parser else b"")
        self._idle = idle_s is not None and not self._buffer
        self._deadline = time.monotonic() + (idle_s if self._idle else REQUEST_TIMEOUT_S)
        self._needed = None  # bytes of head and body together, once the head is parsed
        self._scanned = 0  # bytes of the buffer already searched for the end of the head
        self._max_head = _max_head(conn.cfg)

    def expired(self, now):
        """Tell whether the request missed its deadline."""
        return now > self._deadline

    def cap_idle(self, deadline):
        """Let a kept-alive connection that has sent nothing go by `deadline` (the worker stops)."""
        if self._idle:
            self._deadline = min(self._deadline, deadline)

    def advance(self):
        """Do what can be done without blocking; return what the worker should do next."""
        if self._tls is not None:
            state = self._handshake()
            if state is not None:
                return state
        while True:
            state = self._examine()
            if state != WAIT_READ:
                return state
            try:
                data = self.conn.sock.recv(self._wanted())
            except (BlockingIOError, ssl.SSLWantReadError):
                return WAIT_READ
            except ssl.SSLWantWriteError:
                return WAIT_WRITE
            except OSError:
                return CLOSE
            if not data:  # the peer closed (or half-closed) before its request was whole
                return CLOSE
            if self._idle:  # the next request has begun: it has its own time from now
                self._idle = False
                self._deadline = time.monotonic() + REQUEST_TIMEOUT_S
            self._buffer += data

    def hand_over(self):
        """Give the bytes received to the connection's parser, for a thread to read."""
        if self.conn.parser is None:
            self.conn.parser = http.get_parser(self.conn.cfg, self.conn.sock, self.conn.client)
        self.conn.parser.unreader.unread(bytes(self._buffer))
        self._buffer = bytearray()

    def _handshake(self):
        if not isinstance(self.conn.sock, ssl.SSLSocket):
            self.conn.sock = self._tls.wrap_socket(
                self.conn.sock, server_side=True, do_handshake_on_connect=False,
                suppress_ragged_eofs=self.conn.cfg.suppress_ragged_eofs)
        try:
            self.conn.sock.do_handshake()
        except ssl.SSLWantReadError:
            return WAIT_READ
        except ssl.SSLWantWriteError:
            return WAIT_WRITE
        except OSError:  # not TLS, or the client gave up (SSLError is an OSError)
            return CLOSE
        self._tls = None
        return None

    def _wanted(self):
        """Return how much to read: never past this request, so a pipelined next one waits."""
        limit = self._needed if self._needed is not None else self._max_head + 1
        return max(1, min(RECEIVE_BYTES, limit - len(self._buffer)))

    def _examine(self):
        if self._needed is None:
            if not self._head_may_be_whole():
                return WAIT_READ
            state = self._read_head()
            if state is not None:
                return state
        return READY if len(self._buffer) >= self._needed else WAIT_READ

    def _head_may_be_whole(self):
        """Tell whether the bytes that came since the last look end a head, or overflow one.

        Parsing only then keeps the work linear in the bytes received: a head trickled in a
        byte at a time is parsed once, not once a byte.
        """
        start, self._scanned = max(0, self._scanned - 2), len(self._buffer)
        return (self._buffer.find(b"\n\r\n", start) >= 0 or self._buffer.find(b"\n\n", start) >= 0
                or len(self._buffer) > self._max_head)

    def _read_head(self):
        """Parse the head received so far; return a state, or None when the body comes next."""
        if not self._buffer:
            return WAIT_READ
        received = _Received(bytes(self._buffer))
        number = self.conn.parser.req_count + 1 if self.conn.parser else 1
        try:
            request = Request(self.conn.cfg, received, self.conn.client, number)
        except (NoMoreData, StopIteration):
            return WAIT_READ
        except Exception:  # malformed or over gunicorn's limits: its parser answers in the thread
            return READY
        reader = request.body.reader
        if not isinstance(reader, LengthReader):
            # A chunked body's size is known only once it is read, and only a thread can wait.
            self.refusal = refusal("411 Length Required", "send the body with a Content-Length")
            return REFUSE
        length = reader.length
        if length > self.max_body:
            self.refusal = refusal("413 Content Too Large",
                                   f"a request body may have at most {self.max_body} bytes")
            return REFUSE
        self._needed = len(self._buffer) - len(received.buf.getvalue()) + length
        self.long_lived = request.method == "GET" and request.path.startswith(SOCKETIO_PREFIX)
        if length:
            self._deadline = time.monotonic() + REQUEST_TIMEOUT_S
            if request._expected_100_continue:  # the thread says it again: a 1xx may repeat
                send_quietly(self.conn.sock, b"HTTP/1.1 100 Continue\r\n\r\n")
        return None


def _max_head(cfg):
    """Return the most bytes a head can have before gunicorn's parser refuses it."""
    line = min(cfg.limit_request_line or MAX_REQUEST_LINE, MAX_REQUEST_LINE)
    return line + cfg.limit_request_fields * (cfg.limit_request_field_size + 2) + 4


def send_quietly(sock, data):
    """Send what fits without blocking; a peer that went away is found out by the next read."""
    try:
        sock.send(data)
    except OSError:  # BlockingIOError and ssl.SSLError included
        pass
