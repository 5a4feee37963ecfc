"""A token bucket that charges a frame by what it costs, so big frames use up a client's rate sooner."""

import time

# One token buys one frame of up to this many pixels; a larger frame costs in proportion, so a
# client sending 4K frames gets about a 27th of the frames a 640x480 client gets.
PIXELS_PER_TOKEN = 640 * 480


def frame_cost(pixels):
    """Return the tokens a decoded frame of `pixels` pixels costs (at least one)."""
    return max(1.0, pixels / PIXELS_PER_TOKEN)


class TokenBucket:
    """Refills at `rate` tokens per second up to `capacity`; each frame takes one, then its cost."""

    def __init__(self, rate, capacity=None, clock=time.monotonic):
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1)
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()

    def _refill(self):
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def take(self):
        """Take a token if one is there; return whether it was."""
        self._refill()
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def charge(self, tokens):
        """Take `tokens` more, into debt if need be: what a frame cost once it was decoded."""
        self._refill()
        self._tokens -= tokens
