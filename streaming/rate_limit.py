"""A token bucket: a client may send `rate` frames a second, with bursts up to `capacity`."""

import time


class TokenBucket:
    """Refills at `rate` tokens per second up to `capacity`; each frame takes one."""

    def __init__(self, rate, capacity=None, clock=time.monotonic):
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1)
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()

    def take(self):
        """Take a token if one is there; return whether it was."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
