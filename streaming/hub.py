"""The stream hub: the one public API for clients, sources and renditions, and the events that change them.

Every client publishes its frames as a source and watches one source (its own by default).
Viewers of a source are grouped by settings into renditions; each rendition has a one-slot
mailbox, so the newest frame wins. Workers (workers.py) do the processing; nothing here does
CPU work. Each idea is a part of its own, and the hub only joins them:

    registry.py   who is connected, and the sources and names they hold
    intake.py     frames coming in, rate-limited, into the renditions' mailboxes
    viewing.py    watch, settings, share and status
    announcer.py  the `sources` list, at most twice a second
    directory.py  where sources and names live beyond this instance (the cluster, or nowhere)
"""

import logging
import time
from typing import Callable

from pipeline import Settings
from protocol import ClientError, error_body

from .announcer import Announcer
from .client import Client, ClientLimits, Upload
from .delivery import Delivery
from .directory import Directory, LocalDirectory, attach_tap
from .graph import SourceGraph
from .intake import FrameIntake
from .names import NAME_GRACE_S
from .registry import SETTINGS_BURST, ClientRegistry  # noqa: F401 (SETTINGS_BURST: for tests)
from .replies import reject
from .runtime import Runtime
from .source import Rendition, Source
from .tap import Tap, TapHandle
from .ticker import StatsTicker
from .viewing import Viewing
from .workers import FramePipeline, WorkerPool

log = logging.getLogger(__name__)


class StreamHub:
    """Accepts frames from the network and hands them to workers; never does CPU work itself."""

    def __init__(self, pipeline: FramePipeline, runtime: Runtime, emit: Callable[..., object],
                 unsent_frames: Callable[[str], int], kick: Callable[[str], object],
                 workers: int = 2, stats_interval: float = 1.0,
                 limits: ClientLimits = ClientLimits(), name_grace_s: float = NAME_GRACE_S,
                 directory: Directory | None = None):
        self.pipeline = pipeline
        self.runtime = runtime
        self.emit = emit
        self.kick = kick  # sid -> None: close that client's connection
        self.limits = limits
        self.directory = directory if directory is not None else LocalDirectory()
        self.graph = SourceGraph(emit, limits.max_renditions)
        self.sources = self.graph.sources  # name -> Source
        self.registry = ClientRegistry(self.graph, self.directory, limits, name_grace_s)
        self.clients = self.registry.clients  # sid -> Client
        self.announcer = Announcer(self.list_sources, emit, runtime)
        self.pool = WorkerPool(pipeline, runtime, Delivery(emit, unsent_frames),
                               self._report_bad_frame, workers)
        self.intake = FrameIntake(self.graph, self.pool, limits, runtime, emit,
                                  self.announce_sources)
        self.viewing = Viewing(self.graph, self.directory, self.clients, emit,
                               self.announce_sources)
        self.ticker = StatsTicker(self.clients, runtime, emit, kick, limits.idle_timeout,
                                  stats_interval)

    def start(self) -> None:
        """Start the workers, the stats ticker and the directory."""
        self.pool.start()
        self.ticker.start()
        self.directory.start(self)

    def stop(self) -> None:
        """Ask the workers and the ticker to exit, then close the pipeline (its processes, if any)."""
        self.ticker.stop()
        self.directory.stop()
        self.pool.stop()
        self.pipeline.close()

    # Socket.IO events (web/events.py) -------------------------------------------------------

    def connect(self, sid: str, requested_name: str | None = None,
                claim: str | None = None) -> Client:
        """Register a client publishing as `requested_name` (named: shared), else a generated name."""
        return self.registry.connect(sid, requested_name, claim)

    def disconnect(self, sid: str) -> None:
        """Forget a client and close its source; its viewers fall back to their own sources."""
        if self.registry.disconnect(sid):
            self.announce_sources()

    def receive(self, sid: str, payload: object) -> dict:
        """Accept a frame into the mailboxes of its source's renditions; return the ack."""
        client = self.clients.get(sid)
        if client is None:
            return {"error": error_body("not_connected", "connect before sending frames")}
        return self.intake.receive(client, payload)

    def update_settings(self, sid: str, changes: object) -> dict:
        """Apply a partial settings update atomically; return the settings in force."""
        return self.viewing.update_settings(self._touched(sid), changes)

    def watch(self, sid: str, request: object) -> dict:
        """Switch a client to another source (None: its own); return the ack."""
        return self.viewing.watch(self._touched(sid), request)

    def share(self, sid: str, request: object) -> dict:
        """Share the client's own source with everyone, or stop (its viewers fall back); ack."""
        return self.viewing.share(self._touched(sid), request)

    def set_status(self, sid: str, status: object) -> dict:
        """Record a source's own report (e.g. a bridge's camera went stale) and tell its viewers."""
        return self.viewing.set_status(self._touched(sid), status)

    def list_sources(self) -> list[dict]:
        """Return the live shared sources: those shared that have sent at least one frame."""
        return self.directory.merged(self.local_sources())

    def reject(self, client: Client, exc: ClientError, seq: int | None = None) -> dict:
        """Tell a client what was wrong with its input (naming the frame), log it, return the ack."""
        return reject(self.emit, client, exc, seq)

    # Sources without a client (a --camera: local_source.py), taps, and the list ------------

    def open_source(self, name: str, sid: str) -> Source:
        """Add shared source `name` for publisher `sid`; raise ClientError `source_taken`."""
        return self.registry.open_source(name, sid)

    def close_source(self, name: str, sid: str) -> None:
        """Remove source `name` if `sid` still publishes it, and free its name."""
        self.registry.close_source(name, sid)

    def publish(self, source: Source, upload: Upload) -> None:
        """File a frame in `source`'s mailboxes and wake a worker for each rendition."""
        self.intake.publish(source, upload)

    def tell_status(self, source: Source, state: str, message: str) -> None:
        """Record a source's live/stale state and tell its viewers and everyone's list."""
        self.viewing.tell_status(source, state, message)

    def attach_tap(self, name: str, settings: Settings, tap: Tap,
                   sid: str | None = None) -> TapHandle | None:
        """Feed `tap` the frames of `name`, here or elsewhere; a handle, or None (see directory.py)."""
        return attach_tap(self.graph, self.directory, name, settings, tap, sid)

    def merged(self, entries: list[dict]) -> list[dict]:
        """Return list entries of this instance's sources with those elsewhere added."""
        return self.directory.merged(entries)

    def watched_elsewhere(self, sid: str) -> str | None:
        """Return the source on another instance that `sid` watches, or None."""
        return self.directory.watching(sid)

    def announce_sources(self) -> None:
        """Send everyone the sources list again, soon (a count or a state changed)."""
        self.announcer.announce()

    # Called by the directory (streaming/cluster): this instance's own sources ---------------

    def local_sources(self) -> list[dict]:
        """Return the `sources` list entries of this instance's live shared sources."""
        return self.graph.listed(time.monotonic())

    def offered_names(self) -> list[str]:
        """Return the names of this instance's live shared sources (others may ask for them)."""
        with self.graph.lock:
            return [s.name for s in self.sources.values() if s.shared and s.frames > 0]

    def has_source(self, name: str) -> bool:
        """Tell whether shared source `name` is on this instance."""
        return self.graph.visible_to(name) is not None

    def attach_here(self, name: str, settings: Settings, tap: Tap) -> TapHandle | None:
        """Feed `tap` a shared source of this instance only; None if it has none by that name."""
        rendition = self.graph.attach(name, settings, tap)
        return TapHandle(self.graph.detach, tap, rendition) if rendition is not None else None

    def lose_source(self, name: str) -> None:
        """Close source `name`: its name is held elsewhere now, so its publisher's frames are refused."""
        with self.graph.lock:
            source = self.sources.get(name)
            if source is not None:
                self.graph.close_source(source)

    def place_viewers(self, name: str, viewers: list[Client], state: str, message: str) -> None:
        """Put viewers of `name`, whose stream from elsewhere ended, here or back home."""
        self.viewing.place_viewers(name, viewers, state, message)

    # Helpers ---------------------------------------------------------------------------------

    def _touched(self, sid):
        """Return the client `sid` (KeyError if unknown), noted as active for the idle timeout."""
        client = self.clients[sid]
        client.touch()
        return client

    def _report_bad_frame(self, rendition: Rendition, upload: Upload, exc: ClientError):
        """Tell a source's sender that its frame could not be processed (once per upload)."""
        owner = self.clients.get(rendition.source.owner_sid)
        if owner is not None and not upload.error_reported:
            upload.error_reported = True
            self.reject(owner, exc, upload.seq)
