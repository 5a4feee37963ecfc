"""Refusals logged at a bounded rate: the first of each reason at once, then one count a minute."""

import logging
import threading
import time

SUMMARY_EVERY_S = 60.0


class RefusalLog:
    """Counts refusals by reason; a flood of them writes one line per reason a minute, not one each.

    Refusing is cheap, so a stranger can refuse himself hundreds of times a second; a line for
    each would let him fill the disk and bury everything else in the log.
    """

    def __init__(self, logger: logging.Logger, what: str = "connection",
                 every_s: float = SUMMARY_EVERY_S, clock=time.monotonic):
        self.log = logger
        self.what = what
        self.every_s = every_s
        self.clock = clock
        self.total = 0
        self._lock = threading.Lock()
        self._window = {}  # reason -> (when its window opened, refusals counted since)
        self._timer = None

    def note(self, reason: str, detail: str = "") -> bool:
        """Count one refusal; log it if it is the first of its reason this minute (then say True)."""
        now = self.clock()
        with self._lock:
            self.total += 1
            opened, counted = self._window.get(reason, (None, 0))
            if opened is not None and now - opened < self.every_s:
                self._window[reason] = (opened, counted + 1)
                self._arm(opened + self.every_s - now)
                return False
            self._window[reason] = (now, 0)
        if counted:
            self._summary(reason, counted)
        self.log.warning("refused a %s: %s%s (more of these are counted, one line a minute)",
                         self.what, reason, f": {detail}" if detail else "")
        return True

    def flush(self) -> None:
        """Log the count of every reason whose minute is over (called by a timer)."""
        now = self.clock()
        due = []
        with self._lock:
            self._timer = None
            for reason, (opened, counted) in list(self._window.items()):
                if now - opened >= self.every_s:
                    del self._window[reason]
                    if counted:
                        due.append((reason, counted))
                elif counted:
                    self._arm(opened + self.every_s - now)
        for reason, counted in due:
            self._summary(reason, counted)

    def _summary(self, reason, counted):
        self.log.warning("refused %d more %s(s) in the last %.0f s: %s", counted, self.what,
                         self.every_s, reason)

    def _arm(self, delay_s):
        # One timer at most: the count of a flood that stops is still logged, a minute later.
        if self._timer is None:
            self._timer = threading.Timer(max(0.0, delay_s) + 0.05, self.flush)
            self._timer.daemon = True
            self._timer.start()
