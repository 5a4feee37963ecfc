"""Clients, their sources and renditions, and the events that change them.

Every client publishes its frames as a source and watches one source (its own by
default). Viewers of a source are grouped by settings into renditions; each
rendition has a one-slot mailbox, so the newest frame wins. Workers (workers.py)
do the processing; nothing here does CPU work.
"""

import itertools
import logging
import threading
import time

from protocol import (FORMS, GONE, SOURCE_NAME_RULE, SOURCE_STATES, ClientError, FrameError,
                      SettingsError, check_payload, is_source_name)

from .client import Client, ClientLimits, Upload
from .rate_limit import TokenBucket
from .source import Source
from .ticker import StatsTicker
from .workers import WorkerPool

log = logging.getLogger(__name__)


class StreamHub:
    """Accepts frames from the network and hands them to workers; never does CPU work itself."""

    def __init__(self, pipeline, runtime, emit, unsent_frames, kick, workers=2, stats_interval=1.0,
                 limits=ClientLimits()):
        self.pipeline = pipeline
        self.emit = emit
        self.limits = limits
        self.clients = {}
        self.sources = {}
        self.pool = WorkerPool(pipeline, runtime, emit, unsent_frames, self._report_bad_frame, workers)
        # Guards the client/source/rendition graph; held for a few assignments, never across I/O.
        self._lock = threading.Lock()
        self._names = itertools.count(1)
        self.ticker = StatsTicker(self.clients, runtime, emit, kick, limits.idle_timeout,
                                  stats_interval)

    def start(self):
        """Start the workers and the stats ticker."""
        self.pool.start()
        self.ticker.start()

    def stop(self):
        """Ask the workers and the ticker to exit, then close the pipeline (its processes, if any)."""
        self.ticker.stop()
        self.pool.stop()
        self.pipeline.close()

    # Connections ---------------------------------------------------------------------

    def connect(self, sid, requested_name=None):
        """Register a client publishing as `requested_name` (or a generated name)."""
        if requested_name is not None and not is_source_name(requested_name):
            raise ClientError(f"a source name is {SOURCE_NAME_RULE}", code="bad_source_name")
        with self._lock:
            if len(self.clients) >= self.limits.max_clients:
                raise ClientError(f"server busy: {len(self.clients)} clients are connected, the "
                                  f"most it takes; try again later", code="server_busy")
            name = requested_name or self._free_name()
            previous = self.sources.get(name)
            if previous is not None:
                # A bridge that reconnects before its old connection timed out takes its name back.
                log.info("source %s moves from %s to %s", name, previous.owner_sid, sid)
                self._close_source(previous)
            client = self.clients[sid] = Client(sid, name, bucket=TokenBucket(self.limits.max_fps))
            self.sources[name] = Source(name, sid)
            self._watch(client, self.sources[name])
        return client

    def disconnect(self, sid):
        """Forget a client and close its source; its viewers fall back to their own sources."""
        with self._lock:
            client = self.clients.pop(sid, None)
            if client is None:
                return
            watched = client.rendition.source if client.rendition is not None else None
            self._unwatch(client)
            source = self.sources.get(client.source_name)
            owned = source is not None and source.owner_sid == sid
            if owned:
                self._close_source(source)
        # The list changes if a listed source left, or a listed source lost a viewer.
        if (owned and source.frames > 0) or (watched is not None and watched is not source
                                             and watched.frames > 0):
            self._announce_sources()

    # Events ----------------------------------------------------------------------------

    def receive(self, sid, payload):
        """Accept a frame into the mailboxes of its source's renditions; return the ack."""
        client = self.clients.get(sid)
        if client is None:
            return {"error": {"code": "not_connected", "message": "connect before sending frames"}}
        client.touch()
        if not client.bucket.take():
            return self.reject(client, ClientError(
                f"more than {self.limits.max_fps:g} frames a second; this frame was dropped",
                code="rate_limited"))
        try:
            client.form = check_payload(payload, self.limits.max_frame_bytes)
        except FrameError as exc:
            return self.reject(client, exc)
        source = self.sources.get(client.source_name)
        if source is None or source.owner_sid != sid:
            return self.reject(client, ClientError(
                f"source '{client.source_name}' was taken over by a newer connection",
                code="source_taken"))
        seq = client.stats.frame_received()
        first = source.frames == 0
        for rendition in source.publish(Upload(payload, seq)):
            self.pool.submit(rendition)
        if first:
            self._announce_sources()
        return {"seq": seq}

    def update_settings(self, sid, changes):
        """Apply a partial settings update atomically; return the settings in force."""
        client = self.clients[sid]
        client.touch()
        try:
            settings = client.settings.updated(changes)
        except SettingsError as exc:
            answer = self.reject(client, exc)
            answer["settings"] = client.settings.as_dict()
            return answer
        with self._lock:
            client.settings = settings
            if client.rendition is not None:
                self._watch(client, client.rendition.source)
        return {"settings": settings.as_dict()}

    def watch(self, sid, request):
        """Switch a client to another source (None: its own); return the ack."""
        client = self.clients[sid]
        client.touch()
        request = request if isinstance(request, dict) else {"source": request}
        name = request.get("source") or client.source_name
        form = request.get("form", client.form)
        with self._lock:
            source = self.sources.get(name) if isinstance(name, str) else None
            if source is None or form not in FORMS:
                problem = (f"no live source named {name!r}" if source is None
                           else "form must be 'bytes' or 'data_url'")
                exc = ClientError(problem, code="bad_watch")
            else:
                client.form = form
                self._watch(client, source)
                exc = None
        if exc is not None:
            return self.reject(client, exc)
        self._announce_sources()  # viewer counts changed for everyone's list
        return {"watching": name}

    def set_status(self, sid, status):
        """Record a source's own report (e.g. a bridge's camera went stale) and tell its viewers."""
        client = self.clients[sid]
        client.touch()
        source = self.sources.get(client.source_name)
        if (not isinstance(status, dict) or status.get("state") not in SOURCE_STATES
                or not isinstance(status.get("message", ""), str) or source is None):
            return self.reject(client, ClientError(
                "status must be {'state': 'live'|'stale', 'message': str}", code="bad_status"))
        source.status = {"state": status["state"], "message": status.get("message", "")[:200]}
        for viewer in source.viewers():
            self.emit("source_status", {"source": source.name, **source.status}, to=viewer.sid)
        self._announce_sources()
        return {"ok": True}

    def list_sources(self):
        """Return the live sources: those that have sent at least one frame."""
        now = time.monotonic()
        return [s.describe(now) for s in list(self.sources.values()) if s.frames > 0]

    def reject(self, client, exc, seq=None):
        """Tell a client what was wrong with its input (frame `seq`), log it once; return the ack."""
        client.stats.errors += 1
        log.warning("client %s: %s: %s", client.sid, exc.code, exc.message)
        event = exc.as_event() if seq is None else {**exc.as_event(), "seq": seq}
        self.emit("error", event, to=client.sid)
        return {"error": event}

    # Graph changes (caller holds the lock) ---------------------------------------------

    def _free_name(self):
        while True:
            name = f"camera-{next(self._names)}"
            if name not in self.sources:
                return name

    def _watch(self, client, source):
        self._unwatch(client)
        rendition = source.rendition_for(client.settings)
        rendition.viewers[client.sid] = client
        client.rendition = rendition

    def _unwatch(self, client):
        rendition, client.rendition = client.rendition, None
        if rendition is not None:
            rendition.viewers.pop(client.sid, None)
            rendition.source.forget(rendition)

    def _close_source(self, source):
        self.sources.pop(source.name, None)
        for viewer in source.viewers():
            if viewer.sid != source.owner_sid:
                self.emit("source_status", {"source": source.name, "state": GONE,
                                            "message": "the source disconnected"}, to=viewer.sid)
            own = self.sources.get(viewer.source_name)
            if own is not None and own is not source:
                self._watch(viewer, own)
            else:
                self._unwatch(viewer)
        for rendition in list(source.renditions.values()):
            rendition.close()
        source.renditions.clear()

    def _announce_sources(self):
        self.emit("sources", self.list_sources())

    def _report_bad_frame(self, rendition, upload, exc):
        """Tell a source's sender that its frame could not be processed (once per upload)."""
        owner = self.clients.get(rendition.source.owner_sid)
        if owner is not None and not upload.error_reported:
            upload.error_reported = True
            self.reject(owner, exc, seq=upload.seq)
