"""Keep what one client can make the server log bounded: one line per kind per interval."""

import time
from typing import Callable

INTERVAL_S = 60.0


class LogGate:
    """Say whether a line of some kind may be logged now, and how many were held back since."""

    def __init__(self, interval_s: float = INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.interval_s = interval_s
        self._clock = clock
        self._last = {}  # kind -> (when last logged, lines held back since)

    def allow(self, kind: str) -> int | None:
        """Return None to stay quiet, or the number of lines of `kind` held back before this one."""
        now = self._clock()
        last, held = self._last.get(kind, (None, 0))
        if last is not None and now - last < self.interval_s:
            self._last[kind] = (last, held + 1)
            return None
        self._last[kind] = (now, 0)
        return held
