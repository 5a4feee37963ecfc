"""Exponential backoff with jitter, for reconnecting to the camera and to the server."""

import random


class Backoff:
    """Delays that double from `first` up to `limit`, jittered so that many bridges spread out."""

    def __init__(self, first=0.5, limit=10.0, factor=2.0, jitter=0.2, rng=random.random):
        if not 0 < first <= limit:
            raise ValueError(f"need 0 < first <= limit, got first={first!r}, limit={limit!r}")
        self.first, self.limit, self.factor, self.jitter = first, limit, factor, jitter
        self._rng = rng
        self._next = first

    def __repr__(self):
        return f"Backoff(first={self.first}, limit={self.limit}, factor={self.factor})"

    def next(self):
        """Return the delay to wait now, and lengthen the next one."""
        delay = self._next
        self._next = min(self.limit, self._next * self.factor)
        return delay * (1 + self.jitter * (2 * self._rng() - 1))

    def reset(self):
        """Start again from the shortest delay (after a success)."""
        self._next = self.first
