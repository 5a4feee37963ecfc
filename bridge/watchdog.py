"""Notice when the camera stops sending frames, and when it comes back."""

import logging
import time

from protocol import LIVE, STALE

log = logging.getLogger(__name__)


class StaleWatch:
    """Turns the age of the newest frame into `live`/`stale` transitions, reported once each."""

    def __init__(self, slot, stale_after_s, report, clock=time.monotonic, name=None):
        self.slot = slot
        self.label = f"camera {name}" if name else "camera"  # a server may run several
        self.stale_after_s = stale_after_s
        self.report = report
        self.state = None
        self._clock = clock
        self._started_at = clock()

    def check(self):
        """Compare the frame age with the threshold; report a change of state."""
        age = self.slot.age()
        if age is None:
            if self._clock() - self._started_at < self.stale_after_s:
                return
            state, message = STALE, f"no frame from the camera yet ({self.stale_after_s:g} s)"
        elif age >= self.stale_after_s:
            state, message = STALE, f"no frame for {self.stale_after_s:g} s"
        else:
            state, message = LIVE, "frames arriving"
        if state != self.state:
            self.state = state
            (log.warning if state == STALE else log.info)("%s %s: %s", self.label, state, message)
            self.report(state, message)
