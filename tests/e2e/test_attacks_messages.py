"""Messages built to cost the server: a WebSocket message declaring 4 GiB, JSON nested deep."""

import json
import socket
import time
import urllib.request

import pytest

from protocol import MAX_FRAME_BYTES

from ..attack_probes import attacked_server, PeakMemory, server_token  # noqa: F401 (a fixture)
from ..attackers import frame_head, open_websocket, send_message, send_until_closed
from ..images import face_jpeg
from ..socket_client import RecordingClient

CAP = 2 * MAX_FRAME_BYTES  # one WebSocket message (web/transport.py)
# Bytes that socket buffers on loopback hold beyond what the server has read: its receive
# buffer (Linux grows it to 6 MiB) and ours (64 KiB, set by send_until_closed).
IN_FLIGHT = 8 * 1024 * 1024
FOUR_GIB = 4 << 30
NESTED = 50_000


@pytest.fixture(scope="module")
def server(attacked_server):
    return attacked_server


@pytest.mark.parametrize("joined", [False, True], ids=["before-connect", "after-connect"])
def test_a_message_declaring_4_gib_is_cut_off_at_the_cap(server, joined):
    sock = open_websocket(server.port, server_token(server) if joined else None)
    with PeakMemory(server) as memory:
        sent = send_until_closed(sock, frame_head(FOUR_GIB), limit_bytes=16 * CAP, timeout_s=60)
    sock.close()
    assert sent is not None, "the server read 16 x the cap of one message and did not close"
    assert sent < CAP + IN_FLIGHT, sent
    assert memory.growth_mb() < 50, memory.growth_mb()
    _assert_still_serves(server)


def test_deeply_nested_packets_are_one_log_line_each_and_no_traceback(server):
    mark = server.log_mark()
    nested = "[" * NESTED + "]" * NESTED
    packets = ["40" + nested, "40{\"token\":" + nested + "}", "42" + nested, "451-" + nested]
    for packet in packets:
        sock = open_websocket(server.port)
        send_message(sock, packet.encode(), text=True)
        _closed_or_quiet(sock)
    _post_polling(server, ("40" + nested).encode())
    _assert_still_serves(server)
    log = server.log(since=mark)
    assert "Traceback" not in log and "RecursionError" in log


def _closed_or_quiet(sock, wait_s=1.0):
    """Give the server `wait_s` to deal with what was sent, reading (and ignoring) its answers."""
    sock.settimeout(0.1)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            if not sock.recv(65536):
                break
        except socket.timeout:
            continue
        except OSError:
            break
    sock.close()


def _post_polling(server, body):
    with urllib.request.urlopen(server.url + "/socket.io/?EIO=4&transport=polling",
                                timeout=10) as response:
        sid = json.loads(response.read()[1:])["sid"]
    request = urllib.request.Request(
        f"{server.url}/socket.io/?EIO=4&transport=polling&sid={sid}", data=body, method="POST",
        headers={"Content-Type": "text/plain;charset=UTF-8"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _assert_still_serves(server):
    client = RecordingClient(server.url, auth={"token": server_token(server)})
    client.next("settings")
    client.send(face_jpeg())
    client.next("response_back", timeout=30)
    client.close()
