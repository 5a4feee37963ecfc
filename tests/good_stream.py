"""An honest client: the face at 6 FPS, each answer timed, for tests that attack beside it."""

import threading
import time

from harness.stats import summary

from .images import face_jpeg
from .socket_client import RecordingClient

GOOD_FPS = 6


class GoodStream(threading.Thread):
    """A well-behaved client sending at 6 FPS and timing each answer."""

    def __init__(self, url, **connect_options):
        super().__init__(daemon=True)
        self.client = RecordingClient(url, **connect_options)
        self.answers = []  # (time answered, round trip ms)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            started = time.monotonic()
            self.client.sio.emit("image", face_jpeg())
            try:
                self.client.next("response_back", timeout=2)
                self.answers.append((time.monotonic(), (time.monotonic() - started) * 1000))
            except Exception:  # queue.Empty: counted as a missing answer
                pass
            self.stop.wait(max(0.0, 1 / GOOD_FPS - (time.monotonic() - started)))

    def wait_flowing(self, answers=GOOD_FPS, timeout=30):
        """Block until `answers` frames have come back (a second's worth by default); return when."""
        deadline = time.monotonic() + timeout
        while len(self.answers) < answers:
            assert time.monotonic() < deadline, f"{len(self.answers)} answers in {timeout} s"
            time.sleep(0.05)
        return self.answers[0][0]

    def window(self, start, end):
        rows = [ms for at, ms in self.answers if start <= at < end]
        return {"fps": round(len(rows) / (end - start), 2), "round_trip_ms": summary(rows)}
