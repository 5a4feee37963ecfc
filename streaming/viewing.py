"""What a client watches and shows: `watch`, `settings`, `share` and `status`.

A source is private to its owner until shared. Viewers of a source are grouped by settings
into renditions (graph.py); a source elsewhere is watched through the Directory.
"""

import logging
from typing import Callable

from protocol import FORMS, SOURCE_STATES, UNSHARED, ClientError, shown

from .client import Client
from .directory import Directory
from .graph import SourceGraph
from .registry import SETTINGS_PER_S
from .replies import reject
from .source import Source

log = logging.getLogger(__name__)


class Viewing:
    """Handlers for a client choosing what to watch, with which settings, and what to show."""

    def __init__(self, graph: SourceGraph, directory: Directory, clients: dict[str, Client],
                 emit: Callable[..., object], announce: Callable[[], None]):
        self.graph = graph
        self.directory = directory
        self.clients = clients  # sid -> Client, the registry's
        self.emit = emit
        self.announce = announce  # viewer counts and states are on everyone's list

    def watch(self, client: Client, request: object) -> dict:
        """Switch `client` to another source (None: its own), here or elsewhere; return the ack."""
        request = request if isinstance(request, dict) else {"source": request}
        name = request.get("source") or client.source_name
        form = request.get("form", client.form)
        with self.graph.lock:
            source = self.graph.visible_to(name, client.sid)
            elsewhere = source is None and self.directory.lists(name)
            if elsewhere and form in FORMS:  # held by another instance: its frames come via Redis
                client.form = form
                self.graph.unwatch(client)
                self.directory.watch(client, name)
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
                self.directory.unwatch(client)
        if exc is not None:
            return reject(self.emit, client, exc)
        self.announce()  # viewer counts changed for everyone's list
        return {"watching": name}

    def update_settings(self, client: Client, changes: object) -> dict:
        """Apply a partial settings update atomically; return the settings in force."""
        try:
            if not client.settings_bucket.take():
                raise ClientError(f"more than {SETTINGS_PER_S:g} settings changes a second; this "
                                  "one was not applied", code="rate_limited")
            settings = client.settings.updated(changes)
            with self.graph.lock:
                if client.rendition is not None:
                    self.graph.check_room(client.rendition.source, settings, client.rendition)
                client.settings = settings
                if client.rendition is not None:
                    self.graph.watch(client, client.rendition.source)
                else:  # a viewer of a source elsewhere asks for frames with its new settings
                    elsewhere = self.directory.watching(client.sid)
                    if elsewhere is not None:
                        self.directory.watch(client, elsewhere)
        except ClientError as exc:
            answer = reject(self.emit, client, exc)
            answer["settings"] = client.settings.as_dict()
            return answer
        return {"settings": settings.as_dict()}

    def share(self, client: Client, request: object) -> dict:
        """Share the client's own source with everyone, or stop (its viewers fall back); ack."""
        shared = request.get("shared") if isinstance(request, dict) else None
        if not isinstance(shared, bool):
            return reject(self.emit, client, ClientError("share takes {'shared': true|false}",
                                                         code="bad_share"))
        with self.graph.lock:
            source = self.graph.sources.get(client.source_name)
            if source is None or source.owner_sid != client.sid:
                exc = ClientError("this connection publishes no source", code="bad_share")
            else:
                exc, source.shared = None, shared
                if not shared:
                    self.graph.drop_viewers(source, UNSHARED, "its owner stopped sharing it")
        if exc is not None:
            return reject(self.emit, client, exc)
        log.info("source %s %s", source.name, "shared" if shared else "private")
        self.announce()
        return {"shared": shared, "viewers": len(source.others())}

    def set_status(self, client: Client, status: object) -> dict:
        """Record a source's own report (e.g. a bridge's camera went stale) and tell its viewers."""
        source = self.graph.sources.get(client.source_name)
        if (not isinstance(status, dict) or status.get("state") not in SOURCE_STATES
                or not isinstance(status.get("message", ""), str) or source is None):
            return reject(self.emit, client, ClientError(
                "status must be {'state': 'live'|'stale', 'message': str}", code="bad_status"))
        self.tell_status(source, status["state"], status.get("message", "")[:200])
        return {"ok": True}

    def tell_status(self, source: Source, state: str, message: str) -> None:
        """Record a source's live/stale state and tell its viewers and everyone's list."""
        source.status = {"state": state, "message": message}
        for viewer in source.viewers():
            self.emit("source_status", {"source": source.name, **source.status}, to=viewer.sid)
        self.announce()

    def place_viewers(self, name: str, viewers: list[Client], state: str, message: str) -> None:
        """Put `viewers` of `name`, whose stream from elsewhere ended, where they belong now.

        If its publisher has just reconnected here (its old instance saw the name go and ended
        the stream), they watch it here without a break. Otherwise they are told, as on one
        instance, and go back to their own sources. A viewer gone meanwhile stays gone.
        """
        with self.graph.lock:
            viewers = [viewer for viewer in viewers if viewer.sid in self.clients]
            here = self.graph.visible_to(name)
            if here is None:
                self.graph.send_home(viewers, name, state, message)
                return
            for viewer in viewers:
                self.graph.watch(viewer, here)
