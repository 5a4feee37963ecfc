"""Connections that try to lock the server without its token, each kept open and timed.

Every connection goes to 127.0.0.1 only. An Attack keeps `count` connections of one kind open,
opening a new one whenever the server closes one, and records how long the server let each
live. The other helpers are single attacks: a WebSocket message, a body, a flood of handshakes.
"""

import concurrent.futures
import json
import selectors
import socket
import threading
import time

OPEN_TIMEOUT_S = 10
TRICKLE_EVERY_S = 2.0
UPGRADE = ("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode()


def _trickle_headers(sock):
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ")
    return lambda: sock.send(b"a")  # one more byte of a header that never ends


def _silent_body(sock):
    sock.sendall(b"POST /api/snapshots HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")


def _tls_byte(sock):
    sock.sendall(b"\x16")  # the first byte of a TLS ClientHello, and nothing after it


def _polling_handshake(sock):
    sock.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    _read_head(sock, b"HTTP/1.1 200")


def _idle_websocket(sock):
    sock.sendall(UPGRADE)
    _read_head(sock, b"HTTP/1.1 101")


def _read_head(sock, expected):
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        data = sock.recv(1)  # byte by byte: what follows the head stays for the next read
        if not data:
            raise ConnectionError("closed before answering")
        head += data
    if not head.startswith(expected):
        raise ConnectionError(f"answered {head[:40]!r}")


# What each attacking connection does once connected; a function it returns is called every
# TRICKLE_EVERY_S.
KINDS = {
    "trickled-headers": _trickle_headers,
    "silent-body": _silent_body,
    "tls-byte": _tls_byte,
    "polling-handshake": _polling_handshake,
    "idle-websocket": _idle_websocket,
}


class Attack:
    """`count` connections of one kind kept open against 127.0.0.1:`port`, each timed until closed."""

    def __init__(self, port, kind, count):
        self.port, self.kind, self.count = port, kind, count
        self.lifetimes = []  # seconds each closed connection lived
        self.failed_opens = 0
        self._open = {}  # socket -> (opened at, trickle or None)
        self._lock = threading.Lock()
        self._running = True
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._selector.register(self._wake_read, selectors.EVENT_READ)
        self._openers = concurrent.futures.ThreadPoolExecutor(8, thread_name_prefix=kind)
        self._loop = threading.Thread(target=self._watch, name=f"attack-{kind}", daemon=True)

    def start(self):
        """Open the connections (in the background) and start watching them."""
        self._loop.start()
        for _ in range(self.count):
            self._openers.submit(self._open_one)
        return self

    def held(self):
        """Return how many attacking connections are open now."""
        with self._lock:
            return len(self._open)

    def oldest_s(self):
        """Return how long the oldest attacking connection still open has lived."""
        with self._lock:
            opened = [when for when, _trickle in self._open.values()]
        return time.monotonic() - min(opened) if opened else 0.0

    def stop(self):
        """Close every attacking connection."""
        self._running = False
        self._openers.shutdown(wait=True, cancel_futures=True)
        self._wake_write.send(b"x")
        self._loop.join(timeout=10)
        with self._lock:
            for sock in self._open:
                sock.close()
            self._open.clear()

    def _open_one(self):
        if not self._running:
            return
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=OPEN_TIMEOUT_S)
            trickle = KINDS[self.kind](sock)
        except OSError:
            with self._lock:
                self.failed_opens += 1
            time.sleep(0.2)
            self._openers.submit(self._open_one)
            return
        sock.setblocking(False)
        with self._lock:
            self._open[sock] = (time.monotonic(), trickle)
        self._selector.register(sock, selectors.EVENT_READ)
        self._wake_write.send(b"x")

    def _watch(self):
        next_trickle = time.monotonic() + TRICKLE_EVERY_S
        while self._running:
            for key, _events in self._selector.select(timeout=0.5):
                if key.fileobj is self._wake_read:
                    self._wake_read.recv(4096)
                elif self._closed_by_server(key.fileobj):
                    self._forget(key.fileobj)
            if time.monotonic() >= next_trickle:
                next_trickle += TRICKLE_EVERY_S
                self._trickle()

    def _closed_by_server(self, sock):
        try:
            return not sock.recv(65536)  # anything it sent (an open packet, a ping) is ignored
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _forget(self, sock):
        self._selector.unregister(sock)
        with self._lock:
            opened, _trickle = self._open.pop(sock)
            self.lifetimes.append(time.monotonic() - opened)
        sock.close()
        if self._running:
            self._openers.submit(self._open_one)

    def _trickle(self):
        with self._lock:
            trickles = [(sock, trickle) for sock, (_when, trickle) in self._open.items() if trickle]
        for sock, trickle in trickles:
            try:
                trickle()
            except OSError:  # closed by the server: the selector reports it next
                pass


def open_websocket(port, token=None):
    """Open an Engine.IO WebSocket (reading its open packet); with `token`, join as a client too."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=OPEN_TIMEOUT_S)
    _idle_websocket(sock)
    _read_message(sock)  # Engine.IO's open packet
    if token is not None:
        send_message(sock, ('40' + json.dumps({"token": token})).encode(), text=True)
        for _ in range(5):  # the connect handler's own events may come first
            answer = _read_message(sock)
            if answer.startswith((b"40{", b"44")):
                break
        if not answer.startswith(b"40{"):
            raise ConnectionError(f"not accepted: {answer[:80]!r}")
    return sock


def send_message(sock, payload, text=False):
    """Send one masked WebSocket message (the mask is zero, so the payload goes as it is)."""
    sock.sendall(frame_head(len(payload), text) + payload)


def frame_head(length, text=False):
    """Return a client frame's head announcing `length` bytes, masked with a zero key."""
    opcode = 0x81 if text else 0x82
    if length < 126:
        return bytes((opcode, 0x80 | length)) + b"\0" * 4
    if length < 1 << 16:
        return bytes((opcode, 0x80 | 126)) + length.to_bytes(2, "big") + b"\0" * 4
    return bytes((opcode, 0x80 | 127)) + length.to_bytes(8, "big") + b"\0" * 4


def _read_message(sock):
    """Read one unmasked server frame; return its payload."""
    head = _read_exactly(sock, 2)
    length = head[1] & 0x7F
    if length == 126:
        length = int.from_bytes(_read_exactly(sock, 2), "big")
    elif length == 127:
        length = int.from_bytes(_read_exactly(sock, 8), "big")
    return _read_exactly(sock, length)


def _read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed mid-frame")
        data += chunk
    return data


def send_until_closed(sock, head, limit_bytes, timeout_s=60, chunk=64 * 1024):
    """Send `head`, then zeros until the server closes or `limit_bytes` went; return bytes sent.

    Returns None if the server neither closed nor stopped reading within the limit and time.
    """
    sock.settimeout(timeout_s)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)  # count what the server took
    deadline = time.monotonic() + timeout_s
    zeros = bytes(chunk)
    sent = 0
    try:
        sock.sendall(head)
        while sent < limit_bytes and time.monotonic() < deadline:
            sent += sock.send(zeros)
    except OSError:  # reset or broken pipe: the server closed the connection
        return sent
    return None


def closing_requests(port, count, every_s=1.0):
    """Send `count` whole `Connection: close` requests, one each `every_s`; never close them."""
    held = []
    for _ in range(count):
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", port), timeout=OPEN_TIMEOUT_S)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        held.append(sock)
        time.sleep(max(0.0, every_s - (time.monotonic() - started)))
    return held


def handshake_flood(port, seconds, connections=2, batch=20):
    """Make Engine.IO polling handshakes as fast as the server answers them; return how many."""
    request = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    made = []
    end = time.monotonic() + seconds

    def flood():
        count = 0
        while time.monotonic() < end:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=OPEN_TIMEOUT_S) as sock:
                    while time.monotonic() < end:
                        sock.sendall(request * batch)  # pipelined on one kept-alive connection
                        answers = b""
                        while answers.count(b"HTTP/1.1 ") < batch:
                            data = sock.recv(65536)
                            if not data:
                                raise ConnectionError("closed")
                            answers += data
                        count += batch
            except OSError:  # closed by the server: open another
                continue
        made.append(count)

    threads = [threading.Thread(target=flood, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + OPEN_TIMEOUT_S * 2)
    return sum(made)
