"""Fault tests on the pipeline processes: a stopped child, a killed child, an impossible set-up."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from ..bridge_harness import wait_until
from ..images import face_jpeg
from ..server_process import ROOT, ServerProcess, pipeline_children
from ..socket_client import RecordingClient


@pytest.fixture
def two_children(artifacts):
    """A server with two workers, hence two pipeline processes."""
    server = ServerProcess(artifacts, "--workers", "2").wait_ready()
    yield server
    for child in pipeline_children(server):
        child.send_signal(signal.SIGCONT)  # a stopped child would outlive the server's stop
    server.stop()


class Streamer:
    """A client that sends a frame whenever the previous one was answered, for `seconds` at most."""

    def __init__(self, url, seconds):
        self.client = RecordingClient(url)
        self.client.next("settings")
        self.answers = []  # (time, "frame" | error code, seq)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(seconds,), daemon=True)
        self._thread.start()

    def _run(self, seconds):
        end = time.monotonic() + seconds
        jpeg = face_jpeg()
        while time.monotonic() < end and not self._stop.is_set():
            self.client.send(jpeg)
            answered = self._answer(timeout=15)
            if answered is None:
                return
            if "code" in answered:
                time.sleep(0.2)  # an error comes back at once; pace the retry under the rate limit

    def _answer(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for payload in self.client.drain("error"):
                self.answers.append((time.monotonic(), payload["code"], payload.get("seq")))
                return payload
            try:
                _frame, meta = self.client.next("response_back", timeout=0.05)
            except Exception:  # queue.Empty: nothing yet
                continue
            self.answers.append((time.monotonic(), "frame", meta["seq"]))
            return meta
        return None

    def join(self):
        """Stop after the frame in flight; disconnect."""
        self._stop.set()
        self._thread.join(timeout=60)
        self.client.close()

    def frames_between(self, start, end):
        return [a for a in self.answers if a[1] == "frame" and start <= a[0] <= end]

    def frames(self):
        return sum(1 for a in self.answers if a[1] == "frame")


def measured(streamers, frames=10):
    """Wait until each streamer has `frames` frames back: the server has measured its frame time."""
    wait_until(lambda: all(s.frames() >= frames for s in streamers), timeout=30,
               what=f"{frames} frames to each streamer")


def served_after_a_timeout(streamers):
    """Tell whether a streamer got a frame_timeout and, after it, a frame again."""
    for streamer in streamers:
        timed_out = [a[0] for a in streamer.answers if a[1] == "frame_timeout"]
        if timed_out and streamer.frames_between(timed_out[0], time.monotonic()):
            return True
    return False


def test_a_stopped_child_is_killed_and_its_client_gets_an_error_then_frames(two_children):
    server = two_children
    # The streamers outlast every wait below; `join` stops them. The deadline is ten times the
    # slowest recent frame, warm-up frames included, so on a loaded machine it can reach 15 s.
    streamers = [Streamer(server.url, 90) for _ in range(2)]
    measured(streamers)  # both stream, and the deadline is measured
    stopped = pipeline_children(server)[0]
    mark = server.log_mark()
    stopped.send_signal(signal.SIGSTOP)
    stopped_at = time.monotonic()
    try:
        wait_until(lambda: served_after_a_timeout(streamers), timeout=45,
                   what="a frame_timeout, then a frame again")
    except AssertionError as exc:  # say what each side saw, so a miss in CI can be read
        children = [(c.pid, c.status()) for c in pipeline_children(server)]
        tails = [[(round(t - stopped_at, 2), code) for t, code, _ in s.answers[-4:]]
                 for s in streamers]
        raise AssertionError(f"{exc}; stopped {stopped.pid}; children {children}; "
                             f"last answers {tails}; log: {server.log(since=mark)[-1500:]}")
    for streamer in streamers:
        streamer.join()
    timeouts = [(s, a) for s in streamers for a in s.answers if a[1] == "frame_timeout"]
    others = [a for s in streamers for a in s.answers if a[1] not in ("frame", "frame_timeout",
                                                                          "rate_limited")]
    assert not others, others
    assert len(timeouts) == 1, [s.answers[-5:] for s in streamers]
    victim, (when, _code, seq) = timeouts[0]
    assert isinstance(seq, int)
    # The deadline is at least 2 s, and a few times the measured frame time on a busy machine.
    assert 1.5 < when - stopped_at < 15
    assert victim.frames_between(when, when + 60), "the next frame was not served"
    other = next(s for s in streamers if s is not victim)
    assert other.frames_between(stopped_at, when), "the other client stalled with the child"
    assert not stopped.is_running() or stopped.status() == "zombie"
    assert len(pipeline_children(server)) == 2
    assert "gave no answer" in server.log()


def test_a_killed_child_costs_only_the_frame_it_held(two_children):
    server = two_children
    streamer = Streamer(server.url, 120)  # stopped by `join`, after the waits below
    measured([streamer])
    killed_at = time.monotonic()
    pipeline_children(server)[0].kill()
    # Frames go on while the replacement starts (~2.4 s), and after it.
    wait_until(lambda: len(pipeline_children(server)) == 2, timeout=60, what="the replacement")
    replaced_at = time.monotonic()
    wait_until(lambda: len(streamer.frames_between(replaced_at, time.monotonic())) >= 5,
               timeout=30, what="frames after the replacement")
    streamer.join()
    after = [a for a in streamer.answers if a[0] >= killed_at]
    errors = [a for a in after if a[1] not in ("frame", "rate_limited")]
    assert len(errors) <= 1 and all(code == "internal_error" for _t, code, _s in errors)
    # No wait for the replacement to start (~2.4 s before): the other child serves at once.
    frames = [t for t, code, _s in after if code == "frame"]
    gaps = [b - a for a, b in zip([killed_at] + frames, frames)]
    assert frames and max(gaps) < 2.0, gaps
    wait_until(lambda: len(pipeline_children(server)) == 2, timeout=60, what="two pipeline children again")


def test_threading_mode_under_a_monkey_patching_server_stops_at_start_up():
    # What an eventlet or gevent worker does before loading the app: children would fail with
    # BlockingIOError while every frame was still acked.
    code = "import eventlet; eventlet.monkey_patch(); import process; process.create_app()"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode != 0
    assert "threading mode cannot run under a server that eventlet monkey-patched" in proc.stderr
