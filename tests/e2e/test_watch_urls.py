"""Processed video for any player: /video/NAME.mjpg and /snapshot/NAME.jpg, their settings, token and privacy.

The server here is `gunicorn process:app` with gunicorn's access log on, pulling the face photo
as `--camera face=...` (through $CAMERAS), so the log shows what a URL with a token leaves behind.
"""

import http.client
import json
import subprocess
import threading
import time

import numpy as np
import pytest

from harness.access_token import bearer, session_token

from ..bridge_harness import assert_recoloured_face, unique_name, wait_until
from ..images import FACE_JPEG, decode, face_jpeg
from ..socket_client import RecordingClient
from ..watch_harness import GunicornServer, MjpegViewer, StalledViewer, get

TOKEN = session_token()  # the run's: the helpers send it unless a test says otherwise
TUNNEL = {"X-Forwarded-For": "203.0.113.9"}  # as ngrok adds it (the token is needed anyway)


@pytest.fixture(scope="module")
def watch_server(artifacts):
    server = GunicornServer(artifacts, {"ACCESS_TOKEN": TOKEN, "CAMERAS": f"face={FACE_JPEG}",
                                        "MAX_VIEWERS": "4"}).wait_ready()
    wait_until(lambda: get(server.url + "/snapshot/face.jpg")[0] == 200, what="the camera's first frame")
    yield server
    server.stop()


def test_ffmpeg_plays_the_stream_for_3_s_without_error(watch_server, tmp_path):
    url = watch_server.url + "/video/face.mjpg"
    player = ["ffmpeg", "-nostdin", "-v", "error", "-headers", f"Authorization: Bearer {TOKEN}\r\n"]
    played = subprocess.run([*player, "-t", "3", "-i", url, "-f", "null", "-"],
                            capture_output=True, text=True, timeout=60)
    assert played.returncode == 0 and played.stderr == "", played.stderr
    still = tmp_path / "still.jpg"
    subprocess.run([*player, "-i", url, "-frames:v", "1", str(still)], check=True, timeout=60)
    assert_recoloured_face(still.read_bytes())


def test_query_settings_give_seed_000s_panels(watch_server):
    viewer = MjpegViewer(watch_server.url + "/video/face.mjpg?view=stages&grayscale=1&kernel_size=5")
    try:
        frame = decode(viewer.wait_for(2))
    finally:
        viewer.close()
    assert frame.shape == (240, 1280, 3)  # original | noisy | filtered | final, 320 px each
    filtered = frame[:, 640:960].astype(int)
    assert np.abs(filtered[:, :, 2] - filtered[:, :, 0]).mean() < 3  # grey
    original = frame[:, :320].astype(int)
    assert np.abs(original[:, :, 2] - original[:, :, 0]).mean() > 10  # still in colour


@pytest.mark.parametrize("query,code,setting", [
    ("kernel_size=4", "bad_settings", "kernel_size"),
    ("grayscale=maybe", "bad_settings", "grayscale"),
    ("view=panels", "bad_settings", "view"),
    ("noise_amount=nan", "bad_settings", "noise_amount"),
    ("zoom=2", "unknown_setting", "zoom"),
])
def test_a_bad_setting_is_400_naming_it(watch_server, query, code, setting):
    for path in ("/video/face.mjpg", "/snapshot/face.jpg"):
        status, content_type, body = get(f"{watch_server.url}{path}?{query}")
        error = json.loads(body)["error"]
        assert (status, content_type, error["code"], error["setting"]) == (
            400, "application/json", code, setting)
        assert setting in error["message"]


def test_snapshot_is_200_for_a_live_source_and_404_for_a_missing_one(watch_server):
    status, content_type, body = get(watch_server.url + "/snapshot/face.jpg")
    assert (status, content_type) == (200, "image/jpeg")
    assert_recoloured_face(body)
    for name in ("nobody", "bad%20name", "x" * 40):
        status, content_type, body = get(f"{watch_server.url}/snapshot/{name}.jpg")
        assert (status, content_type, json.loads(body)["error"]["code"]) == (
            404, "application/json", "no_source")
    status, _, body = get(watch_server.url + "/video/nobody.mjpg")
    assert status == 404 and json.loads(body)["error"]["code"] == "no_source"


def test_the_token_is_needed_and_taken_in_the_query_or_header(watch_server):
    url = watch_server.url
    for path in ("/video/face.mjpg", "/snapshot/face.jpg", "/cameras.json"):
        status, _, body = get(url + path, headers={**TUNNEL, "Authorization": None})
        assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
        assert get(f"{url}{path}?token=wrong", headers=TUNNEL)[0] == 401
    assert get(f"{url}/snapshot/face.jpg?token={TOKEN}&lips=1", headers=TUNNEL)[0] == 200
    assert get(url + "/snapshot/face.jpg",
               headers={**TUNNEL, "Authorization": f"Bearer {TOKEN}"})[0] == 200
    viewer = MjpegViewer(f"{url}/video/face.mjpg?grayscale=0&token={TOKEN}", headers=TUNNEL)
    try:
        assert viewer.status == 200
        viewer.wait_for(2)
    finally:
        viewer.close()
    log = watch_server.log()
    assert "/snapshot/face.jpg?lips=1" in log  # the access log is on, and kept the other settings
    # The only place the token may show is the link printed on stdout at start-up, for a person.
    assert [line for line in log.splitlines() if TOKEN in line and "#token=" not in line] == []


def _publish(url, stop, **auth):
    """Connect a Socket.IO client and send the face photo ten times a second until `stop`."""
    client = RecordingClient(url, auth=auth)
    name = client.sio.call("watch", None, timeout=10)["watching"]

    def send():
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            client.send(face_jpeg())
            stop.wait(0.1)
    threading.Thread(target=send, daemon=True).start()
    return client, name


def test_a_private_camera_is_404_until_its_owner_shares_it(watch_server):
    stop = threading.Event()
    client, name = _publish(watch_server.url, stop)
    try:
        for path in (f"/snapshot/{name}.jpg", f"/video/{name}.mjpg"):
            assert get(watch_server.url + path)[0] == 404
        assert client.sio.call("share", {"shared": True}, timeout=10)["shared"] is True
        status, _, body = get(f"{watch_server.url}/snapshot/{name}.jpg")
        assert status == 200
        assert_recoloured_face(body)
    finally:
        stop.set()
        client.close()


def test_the_stream_ends_cleanly_when_the_source_leaves(watch_server):
    stop = threading.Event()
    client, name = _publish(watch_server.url, stop, source=unique_name())
    viewer = MjpegViewer(f"{watch_server.url}/video/{name}.mjpg")
    try:
        viewer.wait_for(2)
        stop.set()
        client.close()
        assert viewer.ended.wait(15), "the stream did not end after its source left"
    finally:
        viewer.close()


def test_a_stalled_viewer_slows_no_one_and_grows_no_memory(watch_server):
    url = watch_server.url + "/video/face.mjpg"
    watcher = MjpegViewer(url)
    stalled = None
    try:
        watcher.wait_for(5)
        start = time.monotonic()
        time.sleep(4)
        before_rate = watcher.rate(start, time.monotonic())
        rss_before = watch_server.rss_mb()
        stalled = StalledViewer(url)
        stall_start = time.monotonic()
        time.sleep(10)  # the stalled viewer reads nothing all this while
        during_rate = watcher.rate(stall_start + 2, time.monotonic())
        rss_after = watch_server.rss_mb()
    finally:
        watcher.close()
        if stalled is not None:
            stalled.close()
    assert before_rate > 5
    assert during_rate >= 0.8 * before_rate, (before_rate, during_rate)
    assert rss_after - rss_before < 20, (rss_before, rss_after)


def _players(server, name):
    sources = json.loads(get(server.url + "/cameras.json")[2])["sources"]
    return next(s["players"] for s in sources if s["name"] == name)


def test_more_viewers_than_the_cap_get_503(watch_server):
    url = watch_server.url + "/video/face.mjpg"
    viewers = []
    try:
        # The cap is 4 (MAX_VIEWERS); a viewer that a test before hung up frees its slot at the
        # server's next write to it, so wait for that first.
        wait_until(lambda: _players(watch_server, "face") == 0, timeout=20,
                   what="earlier viewers gone")
        for _ in range(4):
            viewers.append(MjpegViewer(url))
        assert [v.status for v in viewers] == [200] * 4
        status, _, body = get(url)
        assert status == 503 and json.loads(body)["error"]["code"] == "too_many_viewers"
        assert get(watch_server.url + "/snapshot/face.jpg")[0] == 200  # snapshots still served
    finally:
        for viewer in viewers:
            viewer.close()


def _players_seen(client, name, count):
    """Wait for a `sources` list in which `name` has `count` HTTP players."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = client.next("sources", timeout=30)
        if any(s["name"] == name and s["players"] == count for s in listed):
            return
    raise AssertionError(f"{name} never listed with {count} players")


def test_an_owner_sees_its_http_players_in_the_sources_list(watch_server):
    stop = threading.Event()
    client, name = _publish(watch_server.url, stop, source=unique_name())
    try:
        viewer = MjpegViewer(f"{watch_server.url}/video/{name}.mjpg")
        viewer.wait_for(1)
        _players_seen(client, name, 1)
        viewer.close()
        _players_seen(client, name, 0)  # at the server's next write to the closed socket
    finally:
        stop.set()
        client.close()


def test_head_requests_hold_no_stream_slot(watch_server):
    for _ in range(10):  # more than the cap of 4: a leaked slot would refuse the viewer below
        conn = http.client.HTTPConnection("127.0.0.1", watch_server.port, timeout=10)
        conn.request("HEAD", "/video/face.mjpg", headers=bearer())
        assert conn.getresponse().status == 200
        conn.close()
    wait_until(lambda: _players(watch_server, "face") == 0, timeout=20, what="no players left")
    viewer = MjpegViewer(watch_server.url + "/video/face.mjpg")
    try:
        assert viewer.status == 200
        viewer.wait_for(1)
    finally:
        viewer.close()
