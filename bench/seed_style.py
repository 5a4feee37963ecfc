"""The seed-style reference server: full-size face detection on every frame, every frame in turn.

`python -m bench.seed_style --port N` runs our server the way the seed ran, so the bench can
measure both side by side on the same machine. Nothing in the server itself knows of it: this
process alone gives each rendition a queue in place of its one-slot mailbox.
"""

import collections
import sys

import streaming.source
from streaming.mailbox import Mailbox
from web.cli import main

# The seed detected faces at full resolution on every frame, in the server process.
PIPELINE = {"detect_width": 0, "redetect_every": 1}
SERVER = {**PIPELINE, "in_process": True}


class QueueAll(Mailbox):
    """A mailbox that keeps every frame, so each one is processed in turn, as the seed did."""

    def __init__(self):
        super().__init__()
        self._waiting = collections.deque()  # no maxlen: nothing is ever replaced


def run(argv: list[str] | None = None) -> int:
    """Run the reference server until interrupted."""
    # Rendition (streaming/source.py) makes its mailbox by this name: this process queues all.
    streaming.source.Mailbox = QueueAll
    return main(argv, SERVER)


if __name__ == "__main__":
    sys.exit(run())
