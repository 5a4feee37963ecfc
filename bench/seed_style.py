"""The seed-style reference server: full-size face detection on every frame, every frame in turn.

`python -m bench.seed_style --port N` runs our server the way the seed ran, so the bench can
measure both side by side on the same machine. Nothing in the server itself knows of it: this
process alone gives each rendition a queue in place of its one-slot mailbox.
"""

import collections
import sys
import threading

import streaming.source
from web.cli import main

# The seed detected faces at full resolution on every frame, in the server process.
PIPELINE = {"detect_width": 0, "redetect_every": 1}
SERVER = {**PIPELINE, "in_process": True}


class QueueAll:
    """A mailbox (streaming/mailbox.py's interface) that keeps every frame, as the seed did."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiting = collections.deque()
        self._scheduled = False

    def put(self, item: object) -> tuple[bool, bool]:
        """Queue `item`; return (needs scheduling, False: nothing is ever replaced)."""
        with self._lock:
            self._waiting.append(item)
            schedule, self._scheduled = not self._scheduled, True
            return schedule, False

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
        """Drop whatever is waiting."""
        with self._lock:
            self._waiting.clear()


def run(argv: list[str] | None = None) -> int:
    """Run the reference server until interrupted."""
    # Rendition (streaming/source.py) makes its mailbox by this name: this process queues all.
    streaming.source.Mailbox = QueueAll
    return main(argv, SERVER)


if __name__ == "__main__":
    sys.exit(run())
