"""The README walked through as written: `make run` first, then its other commands beside it."""

import os
import re
import signal
import subprocess
import time

import pytest

from harness.server import free_port

from ..bridge_harness import unique_name
from ..images import FACE_JPEG
from ..media_helpers import call
from ..server_process import ROOT

START_S = 120


def _started(command, env, log_path):
    """Start `command` in the repository as the README says to, its output to `log_path`."""
    log = open(log_path, "wb")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)


def _stop(proc):
    """Ctrl-C the whole command (make and what it runs), as a terminal would."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wait_for(path, pattern, proc, timeout=START_S):
    """Wait until the file at `path` shows `pattern`; return the match."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, path.read_text(errors="replace"))
        if found:
            return found
        assert proc.poll() is None, path.read_text(errors="replace")[-3000:]
        time.sleep(0.3)
    raise AssertionError(f"{pattern!r} not seen in {START_S} s:\n" + path.read_text()[-3000:])


@pytest.mark.slow
def test_the_readmes_commands_work_as_written_after_make_run(tmp_path, artifacts):
    port = free_port()
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    env.pop("ACCESS_TOKEN", None)  # as on a fresh machine: the server makes and keeps one
    run_log = artifacts / f"readme-make-run-{port}.log"
    server = _started(["make", "run", f"ARGS=--port {port}"], env, run_log)
    try:
        token = _wait_for(run_log, r"Open: http://127\.0\.0\.1:\d+/#token=(\S+)", server).group(1)
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        assert call("GET", url + "/healthz", headers=headers)[1]["ok"] is True
        # `make bridge ARGS="…"`: a folder of JPEGs as the camera, with the printed token.
        photos = tmp_path / "photos"
        photos.mkdir()
        (photos / "face.jpg").write_bytes(FACE_JPEG.read_bytes())
        name = unique_name("readme")
        bridge = _started(["make", "bridge", f"ARGS={photos} --name {name} --server {url} "
                           f"--fps 5 --token {token}"], env, tmp_path / "bridge.log")
        try:
            # The README's ffmpeg line, with its wallclock tip: 2 s of the camera, as a player.
            clip = tmp_path / "clip.mp4"
            deadline = time.monotonic() + 60
            while not clip.exists() and time.monotonic() < deadline:
                subprocess.run(["ffmpeg", "-loglevel", "error", "-use_wallclock_as_timestamps", "1",
                                "-i", f"{url}/video/{name}.mjpg?token={token}", "-t", "2",
                                "-c:v", "libx264", "-y", str(clip)], timeout=30, check=False)
            assert clip.exists() and clip.stat().st_size > 1000
        finally:
            _stop(bridge)
        # `make media ARGS="list"`: the operator's view of the library, beside the live server.
        listing = subprocess.run(["make", "media", "ARGS=list"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
        assert listing.returncode == 0, listing.stderr[-2000:]
        help_text = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "process.py", "--help"],
                                   cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert help_text.returncode == 0 and "--stages" in help_text.stdout
    finally:
        _stop(server)
    # make itself reports the Ctrl-C; the server under it stops cleanly.
    log = run_log.read_text()
    assert "Shutting down: Master" in log and "Traceback" not in log, log[-3000:]
