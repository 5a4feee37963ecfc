"""A token bucket that charges a frame by what it costs, so big frames use up a client's rate sooner."""

import time
from typing import Callable

# One token buys one frame of up to this many pixels; a larger frame costs in proportion, so a
# client sending 4K frames gets about a 27th of the frames a 640x480 client gets. (Measured, a
# 4K frame costs ~18x the pipeline time of a 640x480 one, so pixels err on the safe side.)
PIXELS_PER_TOKEN = 640 * 480
# Receiving costs too, before any decoding: one token buys this many bytes (a 640x480 JPEG is
# ~40 KB), so padding a small image out to the frame size limit does not make it cheap.
BYTES_PER_TOKEN = 128 * 1024
# The longest an over-rate connection's reader is held before it reads its next message.
MAX_HOLD_S = 1.0


def frame_cost(pixels: int) -> float:
    """Return the tokens a decoded frame of `pixels` pixels costs (at least one)."""
    return max(1.0, pixels / PIXELS_PER_TOKEN)


def bytes_cost(size: int) -> float:
    """Return the tokens receiving a payload of `size` bytes costs (at least one)."""
    return max(1.0, size / BYTES_PER_TOKEN)


class TokenBucket:
    """Refills at `rate` tokens per second up to `capacity`; each frame takes one, then its cost."""

    def __init__(self, rate: float, capacity: float | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1)
        self._tokens = self.capacity
        self._clock = clock
        self._updated = clock()

    def _refill(self):
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def take(self) -> bool:
        """Take a token if one is there; return whether it was."""
        self._refill()
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    def charge(self, tokens: float) -> None:
        """Take `tokens` more, into debt if need be: what a frame cost once it was decoded."""
        self._refill()
        self._tokens -= tokens

    def wait_s(self) -> float:
        """Return how long until a token is there again (0 if one is), at most MAX_HOLD_S."""
        self._refill()
        return min(MAX_HOLD_S, max(0.0, (1 - self._tokens) / self.rate))
