"""The `sources` list sent to everyone when it changes, at most twice a second."""

import threading
import time
from typing import Callable

from .runtime import Runtime

ANNOUNCE_GAP_S = 0.5  # the `sources` list goes to everyone at most this often


class Announcer:
    """Sends everyone the list, at most once per ANNOUNCE_GAP_S; later changes ride on the next.

    A flood of `watch` events (or players joining) then costs each bystander two lists a
    second, not one per event.
    """

    def __init__(self, list_sources: Callable[[], list[dict]], emit: Callable[..., object],
                 runtime: Runtime):
        self.list_sources = list_sources
        self.emit = emit
        self.runtime = runtime
        self._lock = threading.Lock()  # guards when the list was last sent
        self._announced_at, self._pending = 0.0, False

    def announce(self) -> None:
        """Send the list now, or once the gap since the last one has passed."""
        with self._lock:
            if self._pending:
                return
            wait = self._announced_at + ANNOUNCE_GAP_S - time.monotonic()
            if wait > 0:
                self._pending = True
                self.runtime.start_task(self._announce_later, wait)
                return
            self._announced_at = time.monotonic()
        self.emit("sources", self.list_sources())

    def _announce_later(self, wait):
        self.runtime.sleep(wait)
        with self._lock:
            self._pending = False
            self._announced_at = time.monotonic()
        self.emit("sources", self.list_sources())
