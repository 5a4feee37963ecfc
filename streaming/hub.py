"""Clients, their sources and renditions, and the events that change them.

Every client publishes its frames as a source and watches one source (its own by
default). A source is private to its owner until shared; a name belongs to one
publisher (names.py). Viewers of a source are grouped by settings into renditions;
each rendition has a one-slot mailbox, so the newest frame wins. Workers (workers.py)
do the processing; nothing here does CPU work. What changes when several instances share
sources (names held cluster-wide, the merged list, taps on remote sources) is cluster_seat.py's.
"""

import itertools
import logging
import threading

from protocol import (CLAIM_RULE, SOURCE_NAME_RULE, ClientError, FrameError,
                      check_payload, error_body, is_claim, is_source_name)

from .client import Client, ClientLimits, Upload
from .cluster_seat import ClusterSeat
from .graph import SourceGraph
from .names import NAME_GRACE_S, NameRegistry
from .source_events import SourceEvents
from .rate_limit import TokenBucket
from .source import Source
from .ticker import StatsTicker
from .workers import WorkerPool

log = logging.getLogger(__name__)

# Each settings change may start a rendition (a pipeline run per frame, a face search from
# scratch): a slider dragged sends a few a second, a script churning them must wait.
SETTINGS_PER_S, SETTINGS_BURST = 4.0, 8


class StreamHub(SourceEvents, ClusterSeat):
    """Accepts frames from the network and hands them to workers; never does CPU work itself."""

    def __init__(self, pipeline, runtime, emit, unsent_frames, kick, workers=2, stats_interval=1.0,
                 limits=ClientLimits(), name_grace_s=NAME_GRACE_S):
        self.pipeline = pipeline
        self.emit = emit
        self.runtime = runtime
        self.limits = limits
        self.clients = {}
        self.graph = SourceGraph(emit, limits.max_renditions)
        self.sources = self.graph.sources
        self.names = NameRegistry(name_grace_s)
        self.pool = WorkerPool(pipeline, runtime, emit, unsent_frames, self._report_bad_frame, workers)
        self._lock = self.graph.lock
        self._announce_lock = threading.Lock()  # guards when `sources` was last sent
        self._announced_at, self._announce_pending = 0.0, False
        self._names = itertools.count(1)
        self.kick = kick
        self.ticker = StatsTicker(self.clients, runtime, emit, kick, limits.idle_timeout,
                                  stats_interval)

    def start(self):
        """Start the workers and the stats ticker."""
        self.pool.start()
        self.ticker.start()
        self._start_cluster()

    def stop(self):
        """Ask the workers and the ticker to exit, then close the pipeline (its processes, if any)."""
        self.ticker.stop()
        self._stop_cluster()
        self.pool.stop()
        self.pipeline.close()

    # Connections ---------------------------------------------------------------------

    def connect(self, sid, requested_name=None, claim=None):
        """Register a client publishing as `requested_name` (or a generated name).

        A client that names itself publishes on purpose, so its source is shared; its `claim`
        (a secret it keeps across reconnects) wins the name back while it is still held.
        """
        if requested_name is not None and not is_source_name(requested_name):
            raise ClientError(f"a source name is {SOURCE_NAME_RULE}", code="bad_source_name")
        if claim is not None and not is_claim(claim):
            raise ClientError(f"a name claim is {CLAIM_RULE}", code="bad_claim")
        named = requested_name is not None
        name = requested_name if named else self._free_name()
        claim = claim if named else None
        if named:
            with self._lock:
                # Refused here first: a duplicate must not touch the holder's cluster-wide name.
                self.names.check(name, claim)
        # A generated name is held cluster-wide too, so no publisher elsewhere can take it.
        self.take_cluster_name(name, sid, claim)
        try:
            return self._connect(sid, name, claim, shared=named)
        except ClientError:
            self.release_cluster_name(name, sid)
            raise

    def _connect(self, sid, name, claim, shared):
        with self._lock:
            if len(self.clients) >= self.limits.max_clients:
                raise ClientError(f"server busy: {len(self.clients)} clients are connected, the "
                                  f"most it takes; try again later", code="server_busy")
            moved_from = self.names.take(name, sid, claim)
            previous = self.sources.get(name)
            if previous is not None:
                # The same publisher reconnected before its old connection was seen to drop.
                log.info("source %s moves from %s to %s", name, moved_from, sid)
                self.graph.close_source(previous)
            client = self.clients[sid] = Client(
                sid, name, bucket=TokenBucket(self.limits.max_fps),
                settings_bucket=TokenBucket(SETTINGS_PER_S, SETTINGS_BURST))
            self.sources[name] = Source(name, sid, shared=shared)
            self.graph.watch(client, self.sources[name])
        return client

    def disconnect(self, sid):
        """Forget a client and close its source; its viewers fall back to their own sources."""
        with self._lock:
            client = self.clients.pop(sid, None)
            if client is None:
                return
            watched = client.rendition.source if client.rendition is not None else None
            self.graph.unwatch(client)
            source = self.sources.get(client.source_name)
            owned = source is not None and source.owner_sid == sid
            if owned:
                self.graph.close_source(source)
            self.names.release(client.source_name, sid)
        self._cluster_left(client)
        # The list changes if a listed source left, or a listed source lost a viewer.
        if (owned and source.frames > 0) or (watched is not None and watched is not source
                                             and watched.frames > 0):
            self._announce_sources()

    # Events ----------------------------------------------------------------------------

    def receive(self, sid, payload):
        """Accept a frame into the mailboxes of its source's renditions; return the ack."""
        client = self.clients.get(sid)
        if client is None:
            return {"error": error_body("not_connected", "connect before sending frames")}
        client.touch()
        # Every frame is numbered, so an error about it can say which one it was.
        seq = client.stats.frame_received()
        if not client.bucket.take():
            answer = self.reject(client, ClientError(
                f"more than {self.limits.max_fps:g} frames a second (big frames count as several); "
                f"this frame was dropped", code="rate_limited"), seq)
            # Not reading this connection until its rate allows a frame again pushes back on the
            # sender through TCP, so a flood costs the server what it may spend, not what it sends.
            self.runtime.sleep(client.bucket.wait_s())
            return answer
        try:
            client.form = check_payload(payload, self.limits.max_frame_bytes)
        except FrameError as exc:
            return self.reject(client, exc, seq)
        source = self.sources.get(client.source_name)
        if source is None or source.owner_sid != sid:
            return self.reject(client, ClientError(
                f"source '{client.source_name}' moved to a newer connection of its publisher",
                code="source_taken"), seq)
        first = source.frames == 0
        upload = Upload(payload, seq, bucket=client.bucket)
        upload.charge_received()
        for rendition in source.publish(upload):
            self.pool.submit(rendition)
        if first:
            self._announce_sources()
        return {"seq": seq}

    def update_settings(self, sid, changes):
        """Apply a partial settings update atomically; return the settings in force."""
        client = self.clients[sid]
        client.touch()
        try:
            if not client.settings_bucket.take():
                raise ClientError(f"more than {SETTINGS_PER_S:g} settings changes a second; this "
                                  "one was not applied", code="rate_limited")
            settings = client.settings.updated(changes)
            with self._lock:
                if client.rendition is not None:
                    self.graph.check_room(client.rendition.source, settings, client.rendition)
                client.settings = settings
                if client.rendition is not None:
                    self.graph.watch(client, client.rendition.source)
                else:
                    self._rewatch_remote(client)
        except ClientError as exc:
            answer = self.reject(client, exc)
            answer["settings"] = client.settings.as_dict()
            return answer
        return {"settings": settings.as_dict()}

    def evict(self, sid, exc):
        """Tell a client why, then close its connection (its name was taken elsewhere, say)."""
        self.emit("error", exc.as_event(), to=sid)
        self.kick(sid)

    def reject(self, client, exc, seq=None):
        """Tell a client what was wrong with its input (naming the frame), log it, return the ack.

        The log gets one line per client and error code a minute, so a client repeating
        a bad input cannot fill the disk.
        """
        client.stats.errors += 1
        held = client.log_gate.allow(exc.code)
        if held is not None:
            log.warning("client %s: %s: %.200s%s", client.sid, exc.code, exc.message,
                        f" ({held} more since the last line)" if held else "")
        event = exc.as_event()
        if seq is not None:
            event["seq"] = seq
        self.emit("error", event, to=client.sid)
        return {"error": event}

    # Helpers -----------------------------------------------------------------------------

    def _report_bad_frame(self, rendition, upload, exc):
        """Tell a source's sender that its frame could not be processed (once per upload)."""
        owner = self.clients.get(rendition.source.owner_sid)
        if owner is not None and not upload.error_reported:
            upload.error_reported = True
            self.reject(owner, exc, upload.seq)
