"""Access token, origins, limits and HTTPS, against a real server started as it would be exposed."""

import json
import re
import ssl
import struct
import threading
import time
import urllib.request
import zlib

import cv2
import pytest
import socketio

from harness.server import ServerProcess

from ..attack_probes import wait_up
from ..images import decode, face_frame, face_jpeg
from ..socket_client import RecordingClient

NGROK = "https://demo.ngrok-free.app"
# The server's certificate is self-signed on purpose; the clients here skip verification.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def exposed(artifacts):
    """A server marked public, over HTTPS, with tight limits; its token is generated at start."""
    server = ServerProcess("--public", "--https", "--max-clients", "4", "--max-fps", "5",
                           "--idle-timeout", "3", "--allow-origin", NGROK, log_dir=artifacts)
    server.url = server.url.replace("http://", "https://")
    wait_up(server)  # the certificate is self-signed on purpose
    server.token = re.search(r"#token=(\S+)", server.log()).group(1)
    yield server
    server.stop()


def refusal(server, **options):
    """Try to connect; return the connect_error payload (fails if the connection is accepted)."""
    sio = socketio.Client(reconnection=False, ssl_verify=False)
    errors = []
    sio.on("connect_error", errors.append)
    options.setdefault("transports", ["websocket"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(server.url, wait_timeout=10, **options)
    return errors[0] if errors else None


def connect(server, **options):
    client = RecordingClient(server.url, ssl_verify=False, auth={"token": server.token}, **options)
    client.next("settings")
    return client


def test_without_the_token_the_connection_is_refused_with_a_message(exposed):
    for auth in (None, {"token": "wrong"}, {"token": 42}):
        refused = refusal(exposed, auth=auth)
        assert refused["data"]["code"] == "unauthorized" and "access token" in refused["message"]


def test_with_the_token_frames_are_processed_over_https(exposed):
    client = connect(exposed)
    client.send(face_jpeg())
    assert decode(client.next("response_back")[0]).shape == (480, 640, 3)
    client.close()


def test_the_token_is_printed_as_a_link_and_never_logged(exposed):
    lines = [line for line in exposed.log().splitlines() if exposed.token in line]
    assert len(lines) == 1 and lines[0].strip().startswith(("Open:", "https://"))
    assert f"/#token={exposed.token}" in lines[0]


def test_other_origins_are_refused_and_the_allow_list_is_not(exposed, monkeypatch):
    # Long-polling, because websocket-client adds an Origin header of its own beside ours.
    # The server checks the origin before it looks at the transport, so both are covered.
    polling = {"transports": ["polling"]}
    # requests lets a CA bundle named in the environment override ssl_verify=False.
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
    refused = refusal(exposed, auth={"token": exposed.token},
                      headers={"Origin": "https://evil.example"}, **polling)
    assert not isinstance(refused, dict)  # refused at the HTTP handshake, before any Socket.IO
    allowed = connect(exposed, headers={"Origin": NGROK}, **polling)
    same = connect(exposed, headers={"Origin": exposed.url}, **polling)
    allowed.close(), same.close()


def test_frames_over_the_fps_cap_get_an_error_and_the_connection_stays(exposed):
    client = connect(exposed)
    answers = [client.send(face_jpeg()) for _ in range(15)]
    limited = [a for a in answers if "error" in a]
    assert limited and all(a["error"]["code"] == "rate_limited" for a in limited)
    time.sleep(1.2)
    assert client.send(face_jpeg()).get("seq")
    client.close()


def patched(data, offset, fmt, *values):
    return data[:offset] + struct.pack(fmt, *values) + data[offset + struct.calcsize(fmt):]


def test_decompression_bombs_are_refused_before_decoding(exposed):
    png = cv2.imencode(".png", face_frame()[:8, :8])[1].tobytes()
    png = patched(png, 16, ">II", 40000, 40000)
    png = patched(png, 29, ">I", zlib.crc32(png[12:29]))
    jpeg = face_jpeg()
    sof = jpeg.find(b"\xff\xc0")
    jpeg = patched(jpeg, sof + 5, ">HH", 60000, 60000)
    wait_for_room(exposed)  # --max-clients 4, and the tests before this one had as many
    client = connect(exposed)
    for bomb in (png, jpeg):
        client.send(bomb)
        assert client.next("error")["code"] == "too_many_pixels"
        time.sleep(0.25)  # stay under this server's 5 FPS cap
    client.close()


def try_connect(server):
    """Connect with the token; return (client, None) or (None, the connect_error payload)."""
    sio = socketio.Client(reconnection=False, ssl_verify=False)
    errors = []
    sio.on("connect_error", errors.append)
    try:
        sio.connect(server.url, transports=["websocket"], wait_timeout=10,
                    auth={"token": server.token})
    except socketio.exceptions.ConnectionError:
        return None, errors[0] if errors else None
    return sio, None


@pytest.fixture
def small(artifacts):
    """A public server that takes two clients and never idles them out mid-test."""
    server = ServerProcess("--public", "--max-clients", "2", log_dir=artifacts).wait_ready()
    server.token = re.search(r"#token=(\S+)", server.log()).group(1)
    yield server
    server.stop()


def test_a_full_server_says_it_is_busy(small):
    first, _ = try_connect(small)
    second, _ = try_connect(small)
    third, refused = try_connect(small)
    for client in (first, second, third):
        if client is not None:
            threading.Thread(target=client.disconnect, daemon=True).start()
    assert first is not None and second is not None
    assert third is None and refused["data"]["code"] == "server_busy"
    assert "busy" in refused["message"]


def connected(server):
    """Return how many clients `server` (HTTPS, its own token) counts now."""
    request = urllib.request.Request(server.url + "/healthz",
                                     headers={"Authorization": f"Bearer {server.token}"})
    context = ssl._create_unverified_context()  # the certificate is self-signed on purpose
    with urllib.request.urlopen(request, timeout=5, context=context) as response:
        return json.load(response)["clients"]


def wait_for_room(server, max_clients=4):
    """Wait until `server` has room for a client: earlier tests' clients close without waiting."""
    deadline = time.monotonic() + 10
    while connected(server) >= max_clients:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_an_idle_client_is_told_and_disconnected(exposed):
    wait_for_room(exposed)
    client = connect(exposed)
    assert client.next("error", timeout=10)["code"] == "idle_timeout"
    deadline = time.monotonic() + 10
    while client.sio.connected:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_on_loopback_a_connection_needs_the_token_tunnelled_or_not(server):
    # ngrok and cloudflared connect from loopback but add forwarding headers; ssh -R and
    # ngrok tcp add nothing at all, so a local user needs the token too (test_token_always.py).
    tunnelled = {"headers": {"X-Forwarded-For": "203.0.113.7"}}
    refused = refusal(server, **tunnelled)
    assert refused["data"]["code"] == "unauthorized"
    token = re.search(r"#token=(\S+)", server.log()).group(1)
    client = RecordingClient(server.url, auth={"token": token}, **tunnelled)
    assert client.next("settings")
    client.close()
    assert refusal(server)["data"]["code"] == "unauthorized"  # a local user without it
    local = RecordingClient(server.url, auth={"token": token})  # and with it
    assert local.next("settings")
    local.close()
