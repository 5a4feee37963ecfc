"""A one-slot mailbox: the newest frame wins and nothing queues behind it."""

import threading


class Mailbox:
    """Holds at most one waiting frame and knows whether a worker owns its owner.

    The lock is held only for a few assignments and never across I/O, so it is safe
    in threading mode and among eventlet green threads alike.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = None
        self._scheduled = False
        self.dropped = 0

    def put(self, item):
        """Store `item`; return (needs scheduling, whether a waiting item was replaced)."""
        with self._lock:
            replaced = self._waiting is not None
            if replaced:
                self.dropped += 1
            self._waiting = item
            if self._scheduled:
                return False, replaced
            self._scheduled = True
            return True, replaced

    def take(self):
        """Remove and return the waiting item (None if there is none)."""
        with self._lock:
            item, self._waiting = self._waiting, None
            return item

    def finish(self):
        """Mark the current item done; return True if another is waiting and needs scheduling."""
        with self._lock:
            self._scheduled = self._waiting is not None
            return self._scheduled

    def clear(self):
        """Drop whatever is waiting, as on disconnect."""
        with self._lock:
            self._waiting = None
