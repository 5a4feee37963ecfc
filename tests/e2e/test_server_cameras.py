"""Cameras the server pulls itself (`--camera NAME=SOURCE`): no bridge, no browser, out as MJPEG."""

import json
import secrets
import subprocess
import sys

import pytest

from bridge.cameras import push_key
from bridge.simulator import MjpegCameraSimulator, PushCameraSimulator, load_jpegs
from harness.access_token import session_token

from ..bridge_harness import WAIT_S, assert_recoloured_face, wait_until
from ..server_process import ROOT, ServerProcess, free_port
from ..socket_client import RecordingClient, refusal
from ..watch_harness import get, mjpeg_frame

FPS = 10.0


@pytest.fixture(scope="module")
def cameras(artifacts):
    """A server pulling a simulated ESP32 in each firmware format, and one that pushes."""
    arduino = MjpegCameraSimulator(load_jpegs(), "arduino", fps=FPS).start()
    circuitpython = MjpegCameraSimulator(load_jpegs(), "circuitpython", fps=FPS).start()
    push_port = free_port()
    server = ServerProcess(artifacts, "--camera", f"arduino={arduino.stream_url}",
                           "--camera", f"circuitpython={circuitpython.stream_url}",
                           "--camera", f"pushed=ws://127.0.0.1:{push_port}/ws",
                           "--camera", f"down=http://127.0.0.1:{free_port()}/stream").wait_ready()
    # The key the server printed for it: made from the server's token and the camera's name.
    pusher = PushCameraSimulator(f"ws://127.0.0.1:{push_port}/ws?key={push_key(session_token(), 'pushed')}",
                                 load_jpegs(), fps=FPS, redial_s=0.5).start()
    yield server, {"arduino": arduino, "circuitpython": circuitpython}
    pusher.stop()
    server.stop()
    circuitpython.stop()


@pytest.mark.parametrize("name", ["arduino", "circuitpython", "pushed"])
def test_each_firmware_format_comes_out_as_mjpeg_with_red_lips(cameras, name):
    server, _ = cameras
    assert_recoloured_face(mjpeg_frame(f"{server.url}/video/{name}.mjpg"))


def _state(server, name):
    sources = get(server.url + "/cameras.json")[2]
    return next((s["state"], s["message"]) for s in json.loads(sources)["sources"] if s["name"] == name)


def _next_status(client, state):
    """Return the next `source_status` in `state` (a `live` from the camera's start may come first)."""
    for _ in range(5):
        status = client.next("source_status", timeout=WAIT_S)
        if status["state"] == state:
            return status
    raise AssertionError(f"no {state!r} status")


def test_a_camera_that_dies_goes_stale_then_live_when_it_returns(cameras):
    server, simulators = cameras
    watcher = RecordingClient(server.url)
    try:
        assert watcher.sio.call("watch", {"source": "arduino"}, timeout=10) == {"watching": "arduino"}
        watcher.next("response_back", timeout=WAIT_S)
        port = simulators["arduino"].port
        simulators["arduino"].stop()
        wait_until(lambda: _state(server, "arduino")[0] == "stale", what="stale")
        assert _state(server, "arduino")[1] == "no frame for 5 s"
        assert _next_status(watcher, "stale")["source"] == "arduino"
        again = MjpegCameraSimulator(load_jpegs(), "arduino", fps=FPS, port=port).start()
        try:
            wait_until(lambda: _state(server, "arduino")[0] == "live", what="live again")
            assert _next_status(watcher, "live")["message"] == "frames arriving"
            watcher.drain("response_back")
            assert_recoloured_face(watcher.next("response_back", timeout=WAIT_S)[0])
        finally:
            again.stop()
    finally:
        watcher.close()


def test_a_camera_that_never_answers_is_on_the_wall_saying_so(cameras):
    server, _ = cameras
    wait_until(lambda: _state(server, "down")[0] == "stale", what="stale")
    assert _state(server, "down")[1] == "no frame from the camera yet (5 s)"
    assert get(server.url + "/snapshot/down.jpg")[0] == 503  # shared, but nothing to show
    client = RecordingClient(server.url)
    try:
        names = [s["name"] for s in client.sio.call("list_sources", timeout=10)]
    finally:
        client.close()
    assert "down" not in names and "arduino" in names  # the page lists only what it can show


def test_a_camera_name_cannot_be_taken_by_a_client(cameras):
    server, _ = cameras
    refused = refusal(server.url, {"source": "circuitpython", "claim": secrets.token_urlsafe(24)})
    assert refused["data"]["code"] == "source_taken"


@pytest.mark.parametrize("spec,says", [
    ("kitchen", "NAME=SOURCE"),
    ("bad name=http://127.0.0.1:1/stream", "use 1-32"),
])
def test_a_bad_camera_flag_stops_start_up_with_one_clear_line(spec, says):
    run = subprocess.run([sys.executable, "process.py", "--camera", spec], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and says in run.stderr, run.stderr
