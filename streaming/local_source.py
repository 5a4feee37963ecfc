"""A source the server publishes itself (a camera it pulls, `--camera`): shared, named, and no client.

It stands where a bridge's uplink would (bridge/uplink.py has the same `run`, `set_status`
and `close`), so the bridge's camera readers, newest-frame slot and stale watchdog drive it
unchanged. Having no client, it is not counted against --max-clients, never idles out and
watches nothing itself: with no viewer its frames cost nothing but a mailbox check.
"""

import logging
import secrets
import threading
from typing import TYPE_CHECKING, Protocol

from protocol import FrameError, check_payload

from .client import Upload
from .source import Source

if TYPE_CHECKING:
    from .hub import StreamHub

log = logging.getLogger(__name__)


class FrameSlot(Protocol):
    """Where a camera reader leaves its newest frame (bridge/latest.py's LatestJpeg)."""

    def take(self, timeout: float) -> bytes | None:
        """Return the newest frame, waiting up to `timeout` s; None if none came."""


class LocalSource:
    """Publishes the frames a reader puts in a slot into the hub, as shared source `name`."""

    def __init__(self, hub: "StreamHub", name: str):
        self.hub = hub
        self.name = name
        # Never a Socket.IO sid: events addressed to it reach nobody.
        self.sid = f"server-camera:{name}:{secrets.token_hex(4)}"
        self.sent = self.refused = self.timeouts = 0
        self.connects = 1
        self.source: Source | None = None

    def __repr__(self):
        return f"LocalSource({self.name!r})"

    processed = property(lambda self: self.sent,
                         doc="Frames taken: all that were sent, as no link drops any.")

    def open(self) -> "LocalSource":
        """Take the name and add the source; raise ClientError `source_taken` if it is held.

        In a cluster the name is held across every instance, as a named client's is.
        """
        self.source = self.hub.open_source(self.name, self.sid)
        return self

    def run(self, slot: FrameSlot, stop: threading.Event) -> None:
        """Publish the newest frame in `slot` until `stop` is set (a thread's body)."""
        while not stop.is_set():
            frame = slot.take(timeout=0.25)
            if frame is not None:
                self.publish(frame)

    def publish(self, jpeg: bytes) -> None:
        """File one camera frame in the source's mailboxes and wake a worker for each."""
        try:
            check_payload(jpeg, self.hub.limits.max_frame_bytes)
        except FrameError as exc:
            self.refused += 1
            log.warning("camera %s: %s", self.name, exc.message)
            return
        source = self.source
        if source is None:  # closed while the reader was still running
            return
        self.sent += 1
        self.hub.publish(source, Upload(jpeg, self.sent))

    def set_status(self, state: str, message: str) -> None:
        """Record live/stale, as a bridge's `source_status` does, and tell the viewers."""
        source = self.source
        if source is None:
            return
        self.hub.tell_status(source, state, message)

    def close(self) -> None:
        """Remove the source: its viewers fall back, its HTTP streams end, the name frees."""
        if self.source is None:
            return
        self.hub.close_source(self.name, self.sid)
        self.source = None
