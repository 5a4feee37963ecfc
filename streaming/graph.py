"""The sources, their renditions and who watches what; every change happens under one lock.

Viewers are Socket.IO clients. Taps are everything else that wants a source's processed
frames (an MJPEG player, a snapshot, a recording): they join a rendition like a viewer
but are not clients, so they get no events and are not counted as people watching.
A tap has two methods, both called without blocking on anything slow (tap.py):

    deliver(jpeg, meta)    a processed frame (meta: seq, ms, source)
    end(state, message)    the source is gone or private; no more frames will come
"""

import threading
from typing import Callable, Iterable

from pipeline import Settings
from protocol import GONE, ClientError

from .client import Client, ClientLimits
from .source import Rendition, Source
from .tap import Tap

# Each rendition costs a pipeline run per frame: one source may be processed in this many
# ways at once, so viewers and players with distinct settings cannot multiply its CPU.
MAX_RENDITIONS = ClientLimits.max_renditions


class SourceGraph:
    """Sources by name, and the renditions their viewers and taps are grouped into."""

    def __init__(self, emit: Callable[..., object], max_renditions: int = MAX_RENDITIONS):
        self.emit = emit
        self.max_renditions = max_renditions
        self.sources: dict[str, Source] = {}
        # Guards the client/source/rendition graph; held for a few assignments, never across I/O.
        self.lock = threading.Lock()

    def visible_to(self, name: object, sid: str | None = None) -> Source | None:
        """Return the source `name` if `sid` may watch it (it is shared, or theirs), else None."""
        source = self.sources.get(name) if isinstance(name, str) else None
        if source is not None and not source.shared and source.owner_sid != sid:
            return None  # a private camera is answered as if it did not exist
        return source

    def check_room(self, source: Source, settings: Settings,
                   leaving: Rendition | None = None) -> None:
        """Raise ClientError `too_many_renditions` if `source` may not gain a rendition for `settings`.

        `leaving` is the rendition the asker watches now, freed if the asker was its last user.
        """
        if settings in source.renditions:
            return
        count = len(source.renditions)
        if (leaving is not None and leaving.source is source and len(leaving.viewers) <= 1
                and not leaving.taps):
            count -= 1
        if count >= self.max_renditions:
            raise ClientError(f"'{source.name}' is already processed with {count} different "
                              "settings, the most one source may have at once; use settings "
                              "another viewer uses, or try again later", code="too_many_renditions")

    def listed(self, now: float) -> list[dict]:
        """Return the `sources` list entries: shared sources that have sent a frame."""
        return [s.describe(now) for s in list(self.sources.values()) if s.shared and s.frames > 0]

    # Taps (take the lock themselves) -----------------------------------------------------

    def attach(self, name: str, settings: Settings, tap: Tap,
               sid: str | None = None) -> Rendition | None:
        """Feed `tap` the frames of source `name` processed with `settings`; None if not visible.

        Raise ClientError `too_many_renditions` when the source has no room for `settings`.
        """
        with self.lock:
            source = self.visible_to(name, sid)
            if source is None:
                return None
            self.check_room(source, settings)
            rendition = source.rendition_for(settings)
            rendition.taps.add(tap)
            return rendition

    def detach(self, tap: Tap, rendition: Rendition) -> None:
        """Stop feeding `tap`; the rendition goes once nothing watches it."""
        with self.lock:
            rendition.taps.discard(tap)
            rendition.source.forget(rendition)

    # Viewers (the caller holds the lock) --------------------------------------------------

    def watch(self, client: Client, source: Source) -> None:
        """Move `client` to the rendition of `source` for its settings."""
        self.unwatch(client)
        rendition = source.rendition_for(client.settings)
        rendition.viewers[client.sid] = client
        client.rendition = rendition

    def unwatch(self, client: Client) -> None:
        """Take `client` off whatever it watches."""
        rendition, client.rendition = client.rendition, None
        if rendition is not None:
            rendition.viewers.pop(client.sid, None)
            rendition.source.forget(rendition)

    def close_source(self, source: Source) -> None:
        """Remove `source`: its viewers go back to their own sources, its taps end."""
        self.sources.pop(source.name, None)
        self.drop_viewers(source, GONE, "the source disconnected")
        for owner in source.viewers():  # only its owner is left
            self.unwatch(owner)
        for rendition in list(source.renditions.values()):
            rendition.close()
        source.renditions.clear()

    def drop_viewers(self, source: Source, state: str, message: str) -> None:
        """Tell every viewer but the owner that `source` is out of reach; end its taps."""
        self.send_home(source.others(), source.name, state, message)
        for rendition in list(source.renditions.values()):
            for tap in list(rendition.taps):
                rendition.taps.discard(tap)
                tap.end(state, message)
            source.forget(rendition)

    def send_home(self, viewers: Iterable[Client], name: str, state: str, message: str) -> None:
        """Tell `viewers` of source `name` that it is out of reach; each goes back to its own.

        The one place viewers are dropped, whether `name` was here or on another instance.
        """
        for viewer in viewers:
            self.emit("source_status", {"source": name, "state": state, "message": message},
                      to=viewer.sid)
            own = self.sources.get(viewer.source_name)
            if own is not None and own.name != name:
                self.watch(viewer, own)
            else:
                self.unwatch(viewer)
