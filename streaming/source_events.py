"""The events that pick, share and report on sources: `watch`, `share` and `status`.

A mixin of StreamHub (hub.py), which supplies clients, graph, emit, reject, runtime,
_announce_lock and merged (cluster_seat.py); it is apart only so that each file holds one idea.
"""

import logging
import time

from protocol import FORMS, SOURCE_STATES, UNSHARED, ClientError, shown

log = logging.getLogger(__name__)

ANNOUNCE_GAP_S = 0.5  # the `sources` list goes to everyone at most this often


class SourceEvents:
    """Handlers for a client choosing what to watch and what to show."""

    def watch(self, sid, request):
        """Switch a client to another source (None: its own); return the ack."""
        client = self.clients[sid]
        client.touch()
        request = request if isinstance(request, dict) else {"source": request}
        name = request.get("source") or client.source_name
        form = request.get("form", client.form)
        with self._lock:
            source = self.graph.visible_to(name, sid)
            remote = source is None and self.cluster is not None and self.cluster.lists(name)
            if remote and form in FORMS:  # held by another instance: its frames come via Redis
                client.form = form
                self.graph.unwatch(client)
                self.cluster.watch(client, name)
                exc = None
            elif source is None:
                exc = ClientError(f"no shared source named {shown(name)} (a camera is private "
                                  f"until its owner shares it)", code="no_source")
            elif form not in FORMS:
                exc = ClientError("form must be 'bytes' or 'data_url'", code="bad_watch")
            else:
                try:
                    self.graph.check_room(source, client.settings, client.rendition)
                    exc = None
                except ClientError as refused:
                    exc = refused
            if exc is None and source is not None:
                client.form = form
                self.graph.watch(client, source)
                if self.cluster is not None:
                    self.cluster.unwatch(client)
        if exc is not None:
            return self.reject(client, exc)
        self._announce_sources()  # viewer counts changed for everyone's list
        return {"watching": name}

    def share(self, sid, request):
        """Share the client's own source with everyone, or stop (its viewers fall back); ack."""
        client = self.clients[sid]
        client.touch()
        shared = request.get("shared") if isinstance(request, dict) else None
        if not isinstance(shared, bool):
            return self.reject(client, ClientError("share takes {'shared': true|false}",
                                                   code="bad_share"))
        with self._lock:
            source = self.sources.get(client.source_name)
            if source is None or source.owner_sid != sid:
                exc = ClientError("this connection publishes no source", code="bad_share")
            else:
                exc, source.shared = None, shared
                if not shared:
                    self.graph.drop_viewers(source, UNSHARED, "its owner stopped sharing it")
        if exc is not None:
            return self.reject(client, exc)
        log.info("source %s %s", source.name, "shared" if shared else "private")
        self._announce_sources()
        return {"shared": shared, "viewers": len(source.others())}

    def set_status(self, sid, status):
        """Record a source's own report (e.g. a bridge's camera went stale) and tell its viewers."""
        client = self.clients[sid]
        client.touch()
        source = self.sources.get(client.source_name)
        if (not isinstance(status, dict) or status.get("state") not in SOURCE_STATES
                or not isinstance(status.get("message", ""), str) or source is None):
            return self.reject(client, ClientError(
                "status must be {'state': 'live'|'stale', 'message': str}", code="bad_status"))
        self.tell_status(source, status["state"], status.get("message", "")[:200])
        return {"ok": True}

    def tell_status(self, source, state, message):
        """Record a source's live/stale state and tell its viewers and everyone's list."""
        source.status = {"state": state, "message": message}
        for viewer in source.viewers():
            self.emit("source_status", {"source": source.name, **source.status}, to=viewer.sid)
        self._announce_sources()

    def list_sources(self):
        """Return the live shared sources: those shared that have sent at least one frame."""
        return self.merged(self.graph.listed(time.monotonic()))

    def announce_sources(self):
        """Send everyone the sources list again: a count changed outside the hub (HTTP viewers)."""
        self._announce_sources()

    def _announce_sources(self):
        """Send everyone the list, at most once per ANNOUNCE_GAP_S; later changes ride on the next.

        A flood of `watch` events (or players joining) then costs each bystander two lists a
        second, not one per event.
        """
        with self._announce_lock:
            if self._announce_pending:
                return
            wait = self._announced_at + ANNOUNCE_GAP_S - time.monotonic()
            if wait > 0:
                self._announce_pending = True
                self.runtime.start_task(self._announce_later, wait)
                return
            self._announced_at = time.monotonic()
        self.emit("sources", self.list_sources())

    def _announce_later(self, wait):
        self.runtime.sleep(wait)
        with self._announce_lock:
            self._announce_pending = False
            self._announced_at = time.monotonic()
        self.emit("sources", self.list_sources())
