"""The bridge's small parts: newest-frame slot, backoff, stale watch, source choice, camera controls, CLI."""

import subprocess
import sys

import pytest

from bridge.__main__ import build_bridge, parse_args
from bridge.app import Bridge
from bridge.backoff import Backoff
from bridge.camera_control import control_url_for, frame_size_value
from bridge.latest import LatestJpeg
from bridge.cameras import CaptureCamera, JpegFilesCamera, MjpegPullCamera, PushCamera, open_camera
from bridge.watchdog import StaleWatch

from ..images import FACE_JPEG
from ..server_process import ROOT
from ..clock import Clock


def test_the_newest_frame_wins_and_overwritten_ones_count_as_dropped():
    slot = LatestJpeg()
    for frame in (b"1", b"2", b"3"):
        slot.put(frame)
    assert slot.take(timeout=0) == b"3"
    assert slot.take(timeout=0.01) is None
    assert (slot.received, slot.dropped) == (3, 2)


def test_backoff_doubles_up_to_its_limit_and_resets():
    backoff = Backoff(first=0.5, limit=4, jitter=0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1, 2, 4, 4]
    backoff.reset()
    assert backoff.next() == 0.5
    with pytest.raises(ValueError, match="first=0"):
        Backoff(first=0)


def test_backoff_jitter_stays_within_bounds():
    backoff = Backoff(first=1, limit=1, jitter=0.2)
    assert all(0.8 <= backoff.next() <= 1.2 for _ in range(50))


def test_stale_watch_reports_each_change_once():
    clock, reports = Clock(), []
    slot = LatestJpeg(clock=clock)
    watch = StaleWatch(slot, 5, lambda *report: reports.append(report), clock=clock)
    watch.check()
    clock.now += 5
    watch.check()
    watch.check()
    slot.put(b"frame")
    watch.check()
    clock.now += 6
    watch.check()
    assert reports == [("stale", "no frame from the camera yet (5 s)"), ("live", "frames arriving"),
                       ("stale", "no frame for 5 s")]


@pytest.mark.parametrize("spec,kind", [
    ("http://camera.local:81/stream", MjpegPullCamera),
    ("https://user:pw@camera.local/stream", MjpegPullCamera),
    ("ws://0.0.0.0:3001/ws", PushCamera),
    ("0", CaptureCamera),
    ("clip.mp4", CaptureCamera),
    (str(FACE_JPEG), JpegFilesCamera),
    (str(FACE_JPEG.parent), JpegFilesCamera),
])
def test_the_source_is_chosen_by_the_form_of_its_spec(spec, kind):
    assert isinstance(open_camera(spec), kind)


def test_a_password_in_the_stream_url_is_never_shown():
    assert "secret" not in repr(open_camera("http://admin:secret@camera.local:81/stream"))


def test_missing_files_fail_at_start():
    with pytest.raises(FileNotFoundError):
        open_camera("no-such-clip.mp4").open()
    with pytest.raises(FileNotFoundError):
        JpegFilesCamera(ROOT / "bridge").open()


def test_a_push_port_in_use_fails_at_start():
    first = PushCamera("ws://127.0.0.1:0/ws")
    first.open()
    try:
        with pytest.raises(OSError):
            PushCamera(f"ws://127.0.0.1:{first.address[1]}/ws").open()
    finally:
        first.close()


@pytest.mark.parametrize("stream,control", [
    ("http://10.0.0.7:81/stream", "http://10.0.0.7/control"),
    ("http://cam.local/stream", "http://cam.local/control"),
    ("http://127.0.0.1:8081/stream", "http://127.0.0.1:8081/control"),
])
def test_the_control_url_is_guessed_from_the_stream(stream, control):
    assert control_url_for(stream) == control


def test_frame_sizes_by_name_or_number():
    assert frame_size_value("vga") == 8 and frame_size_value("5") == 5
    with pytest.raises(ValueError, match="HUGE"):
        frame_size_value("HUGE")


@pytest.mark.parametrize("name", ["", "has space", "x" * 33, "ünï"])
def test_bad_source_names_are_refused(name):
    with pytest.raises(ValueError, match="source name"):
        Bridge(JpegFilesCamera(FACE_JPEG), "http://127.0.0.1:1", name)


def test_the_command_line_builds_a_bridge_from_flags_and_environment(monkeypatch):
    monkeypatch.setenv("ACCESS_TOKEN", "from-env")
    args = parse_args(["http://cam.local:81/stream", "--name", "kitchen", "--framesize", "VGA",
                       "--quality", "12", "--server", "http://127.0.0.1:1"])
    bridge = build_bridge(args)
    auth = dict(bridge.uplink.auth)
    assert len(auth.pop("claim")) >= 32  # the secret that wins the name back after a reconnect
    assert auth == {"source": "kitchen", "token": "from-env"}
    assert bridge.camera.controls == {"framesize": 8, "quality": 12}
    assert bridge.camera.control_url == "http://cam.local/control"


@pytest.mark.parametrize("module", ["bridge", "bridge.simulator"])
def test_help_runs(module):
    result = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and "usage:" in result.stdout


def test_the_bridge_command_needs_a_name():
    result = subprocess.run([sys.executable, "-m", "bridge", "0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, env={"PATH": ""})
    assert result.returncode == 2 and "--name is required" in result.stderr
