"""What a tap is (a consumer of a source's frames that is not a client) and how one is let go."""

from typing import Callable, Protocol


class Tap(Protocol):
    """Wants a source's processed frames: an MJPEG player, a snapshot, a recording, another instance.

    Both methods are called without blocking on anything slow (a worker's thread calls deliver).
    """

    def deliver(self, jpeg: bytes, meta: dict) -> None:
        """Take a processed frame (meta: seq, ms, source)."""

    def end(self, state: str, message: str) -> None:
        """Learn that the source is gone or private: no more frames will come."""


class TapHandle:
    """One attached tap, fed by a rendition here or a view of another instance's source."""

    def __init__(self, detach: Callable[[Tap, object], None], tap: Tap, feed: object):
        self._detach = detach
        self.tap = tap
        self.feed = feed  # what feeds it: a Rendition (source.py) or a View (cluster/relay.py)

    def detach(self) -> None:
        """Stop feeding the tap."""
        self._detach(self.tap, self.feed)
