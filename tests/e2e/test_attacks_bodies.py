"""Request bodies over the limit are refused before they are read (README, Serving)."""

import socket
import threading

import pytest

from protocol import MAX_FRAME_BYTES

from ..attack_probes import attacked_server, PeakMemory, server_token  # noqa: F401 (a fixture)
from ..attackers import send_until_closed

CAP = 2 * MAX_FRAME_BYTES  # a request body (web/serving.py body_limit)
HUGE = 300_000_000
IN_FLIGHT = 8 * 1024 * 1024  # what loopback's socket buffers hold beyond what the server read


@pytest.fixture(scope="module")
def server(attacked_server):
    return attacked_server


@pytest.mark.parametrize("path", ["/api/snapshots", "/socket.io/?EIO=4&transport=polling&sid=x"])
def test_a_300_mb_body_is_refused_with_413_unread(server, path):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    answer = _Answer(sock)
    # With the token: the limit holds for those who may post, not only for those refused anyway.
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {server_token(server)}\r\n"
            f"Content-Length: {HUGE}\r\n\r\n").encode()
    with PeakMemory(server) as memory:
        sent = send_until_closed(sock, head, limit_bytes=HUGE, timeout_s=60)
    answer.wait()
    sock.close()
    assert answer.data.startswith(b"HTTP/1.1 413"), answer.data[:100]
    assert sent is not None and sent < CAP + IN_FLIGHT, sent
    assert memory.growth_mb() < 50, memory.growth_mb()


def test_a_body_of_unknown_length_is_refused_with_411(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"POST /api/snapshots HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {server_token(server)}\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".encode())
    answer = _Answer(sock)
    answer.wait()
    sock.close()
    assert answer.data.startswith(b"HTTP/1.1 411"), answer.data[:100]


class _Answer:
    """Reads what the server sends on `sock` until it closes, in the background."""

    def __init__(self, sock):
        self.data = b""
        self._sock = sock
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def wait(self, timeout_s=15):
        self._thread.join(timeout_s)

    def _read(self):
        try:
            while chunk := self._sock.recv(4096):
                self.data += chunk
        except OSError:  # reset once the server stopped reading the rest
            pass
