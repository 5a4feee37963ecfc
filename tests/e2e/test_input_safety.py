"""Input safety against the real server: crafted frames, odd sizes, settings, protocol caps, CPU by pixels."""

import json
import time

import cv2
import pytest
import websocket

from harness.access_token import connect_packet
from harness.server import ServerProcess
from streaming.rate_limit import bytes_cost

from .. import crafted_images as crafted
from ..images import decode, face_frame, face_jpeg, jpeg
from ..socket_client import RecordingClient

MAX_FPS = 4  # low, so one 4K frame's cost shows at once; each test paces itself or uses new clients


@pytest.fixture(scope="module")
def safe_server(artifacts):
    server = ServerProcess("--max-fps", str(MAX_FPS), log_dir=artifacts).wait_ready()
    yield server
    server.stop()


@pytest.fixture
def fresh(safe_server):
    """Return a factory of connected clients, each with its own rate budget."""
    clients = []

    def make():
        client = RecordingClient(safe_server.url)
        client.next("settings")
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


CRAFTED = {
    "stray byte before SOF, 8000x8000": (crafted.stray_byte_before_sof, "too_many_pixels"),
    "two SOF markers": (crafted.two_sofs, "not_an_image"),
    "a JPEG start, then text": (lambda: b"\xff\xd8 not a jpeg", "not_an_image"),
    "progressive, 8000x8000": (crafted.progressive_declaring, "too_many_pixels"),
    "5000 scans": (crafted.many_scans, "not_an_image"),
    "PNG with a lying IHDR": (crafted.png_lying_ihdr, "too_many_pixels"),
    "PNG with a 256 MiB IDAT": (crafted.png_huge_idat, (64, 64, 3)),
    "APP segments of odd lengths": (crafted.app_segments_of_odd_lengths, (480, 640, 3)),
    "progressive": (crafted.progressive, (480, 640, 3)),
    "10000x2": (lambda: jpeg(cv2.resize(face_frame(), (10000, 2))), (2, 10000, 3)),
    "700x1": (lambda: jpeg(cv2.resize(face_frame(), (700, 1))), (1, 700, 3)),
    # A strip 2 px wide: the small-face search once scaled it to 512 wide (5 GB, 10 s).
    "2x10000": (lambda: jpeg(cv2.resize(face_frame(), (2, 10000))), (10000, 2, 3)),
    "16x9000": (lambda: jpeg(cv2.resize(face_frame(), (16, 9000))), (9000, 16, 3)),
}


@pytest.mark.parametrize("kind", CRAFTED)
def test_every_crafted_frame_is_answered_by_an_error_with_its_seq_or_a_frame(fresh, kind):
    make, expected = CRAFTED[kind]
    client, payload = fresh(), make()
    started = time.monotonic()
    ack = client.send(payload)
    if isinstance(expected, str):
        error = client.next("error")
        assert error["code"] == expected and error["seq"] == 1, error
    else:
        frame, meta = client.next("response_back")
        assert decode(frame).shape == expected and meta["seq"] == ack["seq"] == 1
    assert time.monotonic() - started < 5  # the bomb costs nothing like the 10 s it did
    time.sleep(max(1.0, bytes_cost(len(payload))) / MAX_FPS)  # a big payload costs several frames
    client.send(face_jpeg())
    assert decode(client.next("response_back")[0]).shape == (480, 640, 3)


@pytest.mark.parametrize("changes", [
    {"kernel_size": float("inf")}, {"jpeg_quality": float("-inf")}, {"noise_amount": float("nan")},
    {"lip_color": "#d0103a\n"}, {"lip_strength": float("inf")},
])
def test_settings_take_only_finite_numbers_and_whole_string_patterns(fresh, changes):
    client = fresh()
    answer = client.settings(changes)
    assert answer["error"]["code"] == "bad_settings" and answer["settings"]["kernel_size"] == 3


def test_a_huge_settings_value_is_cut_short_in_the_log(fresh, safe_server):
    client = fresh()
    answer = client.settings({"lip_color": "Q" * (4 * 1024 * 1024)})
    assert answer["error"]["code"] == "bad_settings" and len(answer["error"]["message"]) < 300
    assert "QQQQ" in safe_server.log() and "Q" * 100 not in safe_server.log()


def test_a_big_frame_costs_its_sender_more_than_one_frame(fresh):
    client = fresh()
    client.send(jpeg(cv2.resize(face_frame(), (3840, 2160)), quality=70))
    assert decode(client.next("response_back", timeout=20)[0]).shape == (2160, 3840, 3)
    # 27 frames' worth of pixels at 4 frames a second: the next second's frames are refused.
    assert client.send(face_jpeg())["error"]["code"] == "rate_limited"
    other = fresh()  # and nobody else pays for it
    other.send(face_jpeg())
    assert decode(other.next("response_back")[0]).shape == (480, 640, 3)


def test_a_flood_is_read_at_the_senders_rate_not_at_the_rate_it_sends(fresh):
    flooder, honest = fresh(), fresh()
    padded = face_jpeg() + b"\0" * (900 * 1024)  # a small image padded out to ~940 KB
    started = time.monotonic()
    for _ in range(40):  # fire and forget, as fast as the client's socket takes them
        flooder.sio.emit("image", padded)
    honest.send(face_jpeg())
    assert decode(honest.next("response_back")[0]).shape == (480, 640, 3)
    time.sleep(3)
    # ~8 frames' worth of bytes each at 4 a second: held back, the server reads a few, not 40.
    rejected = [e for e in flooder.drain("error") if e["code"] == "rate_limited"]
    read = len(flooder.drain("response_back")) + len(rejected)
    assert 1 <= read <= 4 + (time.monotonic() - started) * 1.5, read
    assert len(rejected) >= 1


def raw_socket(url):
    """A raw Engine.IO/Socket.IO connection, connected to '/'."""
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()  # Engine.IO open packet
    ws.send(connect_packet())
    while not ws.recv().startswith("40"):
        pass
    return ws


def closed_within(ws, seconds=5):
    """Tell whether the server closes `ws` within `seconds`, reading whatever comes."""
    deadline = time.monotonic() + seconds
    ws.settimeout(seconds)
    while time.monotonic() < deadline:
        try:
            if ws.recv() in ("1", "", b""):  # Engine.IO close packet, or the socket's end
                return True
        except (websocket.WebSocketException, OSError):
            return True
    return False


@pytest.mark.parametrize("attack", ["billions of attachments", "too many bytes in one event"])
def test_an_event_over_the_caps_closes_its_connection_with_one_log_line(safe_server, attack):
    ws = raw_socket(safe_server.url)
    before = safe_server.log().count("closing connection")
    if attack == "billions of attachments":
        head, attachment = '45999999999-["image",{"_placeholder":true,"num":0}]', b"\x00" * 1024
    else:  # each attachment under the message cap, 9 MiB together
        head, attachment = '453-["image",{"_placeholder":true,"num":0}]', b"\x00" * (3 << 20)
    ws.send(head)
    try:
        for _ in range(3):
            ws.send_binary(attachment)
    except (websocket.WebSocketException, OSError):
        pass  # the server may close on the header alone, before the attachments are all sent
    assert closed_within(ws)
    time.sleep(0.5)
    assert safe_server.log().count("closing connection") == before + 1


def test_malformed_packets_log_one_line_and_no_traceback(safe_server):
    ws = raw_socket(safe_server.url)
    already = len(safe_server.log().splitlines())
    for _ in range(5):
        for packet in ("4x", '42{"not": "a list"}', "42[", "49", '42[1,2]', '461-["image"]'):
            ws.send(packet)
        ws.send_binary(b"a surplus attachment " * 50)
    ws.send('42["list_sources"]')  # the connection still works
    ws.send('420["list_sources"]')
    while not ws.recv().startswith("430"):
        pass
    ws.close()
    time.sleep(0.5)
    log = "\n".join(safe_server.log().splitlines()[already:])
    lines = [line for line in log.splitlines() if "malformed packet" in line]
    assert len(lines) == 1 and all(len(line) < 300 for line in lines), lines
    assert "Traceback" not in log
    assert json.loads(json.dumps(lines))  # plain text, nothing binary echoed
