"""The two measures flow control (flow.py) keeps: a windowed minimum and a recent rate."""

import collections

RATE_WINDOW_S = 3.0


class WindowedMin:
    """The smallest value seen in the last `window_s` seconds."""

    def __init__(self, window_s):
        self.window_s = window_s
        self._points = collections.deque()  # (time, value), values increasing

    def add(self, now, value):
        """Record `value` at `now`."""
        while self._points and self._points[-1][1] >= value:
            self._points.pop()
        self._points.append((now, value))

    def age(self, now):
        """Return seconds since the smallest value was seen (0 when there is none)."""
        return now - self._points[0][0] if self._points else 0.0

    def get(self, now):
        """Return the smallest recent value, or None."""
        while self._points and self._points[0][0] < now - self.window_s:
            self._points.popleft()
        return self._points[0][1] if self._points else None


class RateMeter:
    """Events per second over the last RATE_WINDOW_S seconds."""

    def __init__(self):
        self._times = collections.deque()
        self._first = None

    def tick(self, now):
        """Count one event at `now`."""
        self._times.append(now)
        self._first = now if self._first is None else self._first

    def rate(self, now):
        """Return events per second lately."""
        while self._times and self._times[0] < now - RATE_WINDOW_S:
            self._times.popleft()
        if self._first is None:
            return 0.0
        return len(self._times) / min(RATE_WINDOW_S, max(now - self._first, 0.5))
