"""A one-slot mailbox: the newest frame wins and nothing queues behind it."""

import collections
import threading


class Mailbox:
    """Holds at most one waiting frame and knows whether a worker owns its owner.

    The lock is held only for a few assignments and never across I/O, so it is safe
    in threading mode and among eventlet green threads alike.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = collections.deque(maxlen=1)
        self._scheduled = False

    def put(self, item: object) -> tuple[bool, bool]:
        """Store `item`; return (needs scheduling, whether a waiting item was replaced)."""
        with self._lock:
            replaced = len(self._waiting) == self._waiting.maxlen
            self._waiting.append(item)
            if self._scheduled:
                return False, replaced
            self._scheduled = True
            return True, replaced

    def take(self) -> object | None:
        """Remove and return the oldest waiting item (None if there is none)."""
        with self._lock:
            return self._waiting.popleft() if self._waiting else None

    def finish(self) -> bool:
        """Mark the current item done; return True if another is waiting and needs scheduling."""
        with self._lock:
            self._scheduled = bool(self._waiting)
            return self._scheduled

    def clear(self) -> None:
        """Drop whatever is waiting, as on disconnect."""
        with self._lock:
            self._waiting.clear()
