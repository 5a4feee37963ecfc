"""The newest processed frame of one rendition, for any number of HTTP viewers: a tap (graph.py).

A board keeps one frame and its number, never a queue. Each viewer remembers the number it
sent last and waits for a bigger one, so a viewer whose socket is slow simply gets the newest
frame when it can take one; the frames it skipped are counted, and cost no memory.
"""

import threading
import time
from typing import Callable

from pipeline import Settings

POLL_S = 0.01


class FrameBoard:
    """One tap of a rendition: the newest JPEG, its number, and a condition to wait on."""

    def __init__(self, name: str, settings: Settings, sleep: Callable[[float], None] | None = None):
        self.name = name
        self.settings = settings
        self.handle = None  # set by the boards that attach it (a TapHandle)
        self.viewers = 0  # guarded by the boards' lock
        self.frames = 0  # frames delivered so far; also the newest frame's number
        self.jpeg = None
        self.meta = None
        self.delivered_at = None
        self.ended = None  # (state, message) once the source is gone or private
        self._cond = threading.Condition()
        # Under eventlet (not monkey-patched) a real lock's wait would stop every green thread,
        # so there viewers poll with the green `sleep` instead.
        self._sleep = sleep

    def __repr__(self):
        return f"FrameBoard({self.name!r}, frames={self.frames}, viewers={self.viewers})"

    def deliver(self, jpeg: bytes, meta: dict) -> None:
        """Keep `jpeg` as the newest frame and wake the viewers (a worker thread calls this)."""
        with self._cond:
            self.jpeg, self.meta = jpeg, meta
            self.frames += 1
            self.delivered_at = time.monotonic()
            self._cond.notify_all()

    def end(self, state: str, message: str) -> None:
        """Note that no more frames will come, and wake the viewers so their streams finish."""
        with self._cond:
            self.ended = (state, message)
            self._cond.notify_all()

    def newer(self, than: int, timeout: float) -> tuple[int, bytes] | None:
        """Return (number, jpeg) of a frame newer than `than`, or None when ended or timed out."""
        if self._sleep is not None:
            self._poll(than, timeout)
        with self._cond:
            self._cond.wait_for(lambda: self.frames > than or self.ended is not None,
                                timeout if self._sleep is None else 0)
            if self.ended is not None or self.frames <= than:
                return None
            return self.frames, self.jpeg

    def _poll(self, than, timeout):
        deadline = time.monotonic() + timeout
        while self.frames <= than and self.ended is None and time.monotonic() < deadline:
            self._sleep(POLL_S)

    def recent(self, max_age_s: float) -> bytes | None:
        """Return the newest jpeg if it is younger than `max_age_s`, else None."""
        with self._cond:
            fresh = self.delivered_at is not None and time.monotonic() - self.delivered_at <= max_age_s
            return self.jpeg if fresh and self.ended is None else None
