"""A source (the frames one sender publishes under a name) and its renditions, one per settings."""

import time

from pipeline import Settings, StreamState
from protocol import LIVE

from .client import Client, Upload
from .mailbox import Mailbox
from .tap import Tap


class Rendition:
    """A source processed with one set of settings, for every viewer that chose them.

    It has its own one-slot mailbox and stream state (noise generator, FPS meter,
    face track), so five viewers with the same settings cost one pipeline run.
    """

    def __init__(self, source: "Source", settings: Settings):
        self.source = source
        self.settings = settings
        self.state = StreamState.seeded()
        self.mailbox = Mailbox()
        self.viewers: dict[str, Client] = {}
        self.taps: set[Tap] = set()  # non-client consumers of its frames (see graph.py)
        self.closed = False

    def close(self) -> None:
        """Stop serving: a worker holding it skips it, a waiting frame is dropped."""
        self.closed = True
        self.mailbox.clear()


class Source:
    """Frames published under one name by one sender (a browser or a bridge).

    A shared source is listed and anyone may watch it; a private one only its owner sees.
    """

    def __init__(self, name: str, owner_sid: str, shared: bool = False):
        self.name = name
        self.owner_sid = owner_sid
        self.shared = shared
        self.renditions: dict[Settings, Rendition] = {}
        self.frames = 0
        self.last_frame_at = None
        self.status = {"state": LIVE, "message": ""}

    def publish(self, upload: Upload) -> list[Rendition]:
        """File `upload` in each rendition's mailbox; return the renditions that need a worker."""
        self.frames += 1
        self.last_frame_at = upload.received_at
        waiting = []
        for rendition in list(self.renditions.values()):
            schedule, replaced = rendition.mailbox.put(upload)
            if replaced:  # the frame it replaced never reaches these viewers
                for viewer in list(rendition.viewers.values()):
                    viewer.stats.dropped += 1
            if schedule:
                waiting.append(rendition)
        return waiting

    def rendition_for(self, settings: Settings) -> Rendition:
        """Return the rendition for `settings`, creating it on first use."""
        rendition = self.renditions.get(settings)
        if rendition is None:
            rendition = self.renditions[settings] = Rendition(self, settings)
        return rendition

    def forget(self, rendition: Rendition) -> None:
        """Drop a rendition nobody watches any more."""
        unused = not rendition.viewers and not rendition.taps
        if unused and self.renditions.get(rendition.settings) is rendition:
            del self.renditions[rendition.settings]
            rendition.close()

    def viewers(self) -> list[Client]:
        """Return every client watching this source, over all renditions."""
        return [c for r in list(self.renditions.values()) for c in list(r.viewers.values())]

    def others(self) -> list[Client]:
        """Return the clients watching this source other than its owner."""
        return [c for c in self.viewers() if c.sid != self.owner_sid]

    def describe(self, now: float | None = None) -> dict:
        """Return the entry for this source in the `sources` list."""
        now = time.monotonic() if now is None else now
        idle = None if self.last_frame_at is None else round(now - self.last_frame_at, 1)
        return {
            "name": self.name,
            "viewers": len(self.others()),  # its owner watching itself is not counted
            # People watching through a tap (an MJPEG player: FrameBoard.viewers); a tap
            # that is no person (a recording) has no `viewers` and counts none.
            "players": sum(getattr(tap, "viewers", 0) for r in list(self.renditions.values())
                           for tap in list(r.taps)),
            "frames": self.frames,
            "idle_s": idle,
            **self.status,
        }
