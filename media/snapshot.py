"""The snapshot tap: the next processed frame of a rendition."""

import threading


class FirstFrame:
    """A tap that keeps the first frame it gets: a snapshot."""

    def __init__(self):
        self.jpeg = None
        self.ended = None
        self.ready = threading.Event()

    def deliver(self, jpeg, _meta):
        """Keep the frame if it is the first."""
        if self.jpeg is None:
            self.jpeg = jpeg
        self.ready.set()

    def end(self, _state, message):
        """The source left before a frame came."""
        self.ended = message
        self.ready.set()
