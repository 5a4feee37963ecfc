"""A moving-average rate (events per second) over the most recent events."""

import collections
import time
from collections.abc import Callable


class RateMeter:
    """Moving average of events per second over a sliding window of timestamps."""

    def __init__(self, window: int = 30, clock: Callable[[], float] = time.monotonic):
        self._times: collections.deque[float] = collections.deque(maxlen=window)  # seconds
        self._clock = clock

    def tick(self, now: float | None = None) -> float:
        """Record one event and return the current rate."""
        self._times.append(self._clock() if now is None else now)
        return self.rate()

    def count(self) -> int:
        """Return how many events the window holds."""
        return len(self._times)

    def rate(self, now: float | None = None) -> float:
        """Return events per second, decaying to 0 when events stop arriving."""
        if len(self._times) < 2:
            return 0.0
        now = self._clock() if now is None else now
        span = self._times[-1] - self._times[0]
        # Stretch the window to "now" when nothing has arrived for longer than the mean gap,
        # so a stalled stream reads as slowing down instead of keeping its last rate.
        mean_gap = span / (len(self._times) - 1)
        if now - self._times[-1] > mean_gap:
            span = now - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0
