"""The seed-style reference server: full-size face detection on every frame, every frame in turn.

`python -m bench.seed_style --port N` runs our server the way the seed ran, so the bench can
measure both side by side on the same machine. Nothing in the server itself knows of it.
"""

import sys

from streaming.mailbox import Mailbox
from streaming.source import Rendition
from web.cli import main

# The seed detected faces at full resolution on every frame, in the server process.
PIPELINE = {"detect_width": 0, "redetect_every": 1}
SERVER = {**PIPELINE, "in_process": True}


class QueueAll(Mailbox):
    """A mailbox that keeps every frame, so each one is processed in turn, as the seed did."""

    capacity = None


def run(argv=None):
    """Run the reference server until interrupted."""
    Rendition.mailbox_class = QueueAll
    return main(argv, SERVER)


if __name__ == "__main__":
    sys.exit(run())
