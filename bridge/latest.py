"""A one-slot mailbox between the camera reader and the uplink: the newest frame wins."""

import threading
import time

from .flow_meters import RateMeter


class LatestJpeg:
    """Holds at most one unsent frame; a new one replaces it and the old one counts as dropped."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._cond = threading.Condition()
        self._frame = None
        self.received = 0
        self.dropped = 0
        self.last_put_at = None
        self.arrivals = RateMeter()

    def put(self, frame):
        """Store `frame`, replacing any frame not yet taken."""
        with self._cond:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self.received += 1
            self.last_put_at = self._clock()
            self.arrivals.tick(self.last_put_at)
            self._cond.notify_all()

    def take(self, timeout):
        """Return the newest frame and empty the slot, or None after `timeout` seconds."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._frame is not None, timeout):
                return None
            frame, self._frame = self._frame, None
            return frame

    def fps(self):
        """Return the camera's frames per second lately."""
        return self.arrivals.rate(self._clock())

    def age(self):
        """Return seconds since the last frame arrived, or None if none ever did."""
        last = self.last_put_at
        return None if last is None else self._clock() - last
