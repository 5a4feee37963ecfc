"""Which fault a simulated camera injects, and when: every Nth frame, taking turns."""

import collections
import itertools
import random
import threading
import time

# truncated: half a JPEG; stall: a pause with the connection open; drop: the connection cut
# mid-frame; garbage: random bytes between parts; bad_length: a wrong Content-Length.
FAULTS = ("truncated", "stall", "drop", "garbage", "bad_length")


class FaultPlan:
    """After every `every` good frames, the next fault in `faults` (round robin) is due."""

    def __init__(self, faults=(), every=10, stall_s=3.0, seed=0):
        unknown = set(faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose from {', '.join(FAULTS)}")
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
        self.faults = tuple(faults)
        self.every = every
        self.stall_s = stall_s
        self.injected = collections.Counter()
        self.last_injected_at = {}  # fault -> time.monotonic() of its latest injection
        self.frames = 0
        self._turn = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def __repr__(self):
        return f"FaultPlan({list(self.faults)}, every={self.every})"

    def next(self):
        """Count one frame; return the fault to inject with it, or None."""
        with self._lock:
            self.frames += 1
            if not self.faults or self.frames % self.every:
                return None
            fault = self.faults[self._turn % len(self.faults)]
            self._turn += 1
            self.injected[fault] += 1
            self.last_injected_at[fault] = time.monotonic()
            return fault

    def garbage(self):
        """Return random bytes, salted with JPEG markers and dashes to tempt a careless parser."""
        with self._lock:
            noise = bytearray(self._rng.randbytes(self._rng.randint(50, 2000)))
        for marker in (b"\xff\xd8", b"\xff\xd9", b"--", b"\r\n\r\n"):
            at = len(noise) // 3
            noise[at:at] = marker
        return bytes(noise)


def paced_frames(jpegs, plan, period, stop):
    """Yield (jpeg, fault) every `period` seconds, pausing for stalls, until `stop` is set."""
    next_at = time.monotonic()
    for index in itertools.count():
        fault = plan.next()
        if fault == "stall" and stop.wait(plan.stall_s):
            return
        if stop.is_set():
            return
        yield jpegs[index % len(jpegs)], fault
        next_at = max(next_at + period, time.monotonic())
        if stop.wait(next_at - time.monotonic()):
            return
