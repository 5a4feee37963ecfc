"""Clients that take their answer and never close: the server closes them without stalling.

gunicorn's threaded worker closed each `Connection: close` connection on its main loop, waiting
up to 2 s for the client to close too; a client a second that never did stalled every accept.
"""

import socket
import time

import pytest

from ..attack_probes import attacked_server, HealthProbe  # noqa: F401 (a fixture)
from ..attackers import closing_requests

HALF_OPEN = 40
TRICKLE_S = 12  # one more such client a second, for this long
HEALTH_S = 1.0


@pytest.fixture(scope="module")
def server(attacked_server):
    return attacked_server


def test_clients_that_never_close_cannot_stall_the_server(server):
    health = HealthProbe(server.url, timeout_s=5.0).start()
    # Forty at once, each sent a whole `Connection: close` request and then went silent...
    held = closing_requests(server.port, HALF_OPEN, every_s=0.0)
    # ...and one more a second.
    try:
        held += closing_requests(server.port, TRICKLE_S, every_s=1.0)
    finally:
        health.stop()
    deadline = time.monotonic() + 10
    answered = sum(_answered(sock, deadline) for sock in held)
    for sock in held:
        sock.close()
    assert health.latencies and health.worst() < HEALTH_S, health.latencies
    assert answered == len(held)


def _answered(sock, deadline):
    """Tell whether the server answered and closed its side (by monotonic `deadline`)."""
    sock.settimeout(max(0.01, deadline - time.monotonic()))
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except (socket.timeout, OSError):
        return False
    return data.startswith(b"HTTP/1.1 200")
