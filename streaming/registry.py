"""Who is connected, and the sources and names they hold: connect, disconnect, open and close.

Every client publishes its frames as a source and watches one source (its own by default).
A name belongs to one publisher (names.py), here and, through the Directory, elsewhere.
"""

import itertools
import logging

from protocol import (CLAIM_RULE, SOURCE_NAME_RULE, ClientError, is_claim, is_source_name)

from .client import Client, ClientLimits
from .directory import Directory
from .graph import SourceGraph
from .names import NameRegistry
from .rate_limit import TokenBucket
from .source import Source

log = logging.getLogger(__name__)

# Each settings change may start a rendition (a pipeline run per frame, a face search from
# scratch): a slider dragged sends a few a second, a script churning them must wait.
SETTINGS_PER_S, SETTINGS_BURST = 4.0, 8


class ClientRegistry:
    """The connected clients by sid, and the names their sources (and the server's) hold."""

    def __init__(self, graph: SourceGraph, directory: Directory, limits: ClientLimits,
                 name_grace_s: float):
        self.graph = graph
        self.directory = directory
        self.limits = limits
        self.clients: dict[str, Client] = {}
        self.names = NameRegistry(name_grace_s)
        self._numbers = itertools.count(1)

    def connect(self, sid: str, requested_name: str | None = None,
                claim: str | None = None) -> Client:
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
            with self.graph.lock:
                # Refused here first: a duplicate must not touch the holder's cluster-wide name.
                self.names.check(name, claim)
        # A generated name is held cluster-wide too, so no publisher elsewhere can take it.
        self.directory.take_name(name, sid, claim)
        try:
            with self.graph.lock:
                if len(self.clients) >= self.limits.max_clients:
                    raise ClientError(f"server busy: {len(self.clients)} clients are connected, "
                                      f"the most it takes; try again later", code="server_busy")
                source = self._add_source(name, sid, claim, shared=named)
                client = self.clients[sid] = Client(
                    sid, name, bucket=TokenBucket(self.limits.max_fps),
                    settings_bucket=TokenBucket(SETTINGS_PER_S, SETTINGS_BURST))
                self.graph.watch(client, source)
        except ClientError:
            self.directory.release_name(name, sid)
            raise
        return client

    def disconnect(self, sid: str) -> bool:
        """Forget a client and close its source; return whether the `sources` list changed."""
        with self.graph.lock:
            client = self.clients.pop(sid, None)
            if client is None:
                return False
            watched = client.rendition.source if client.rendition is not None else None
            self.graph.unwatch(client)
            source = self.graph.sources.get(client.source_name)
            owned = source is not None and source.owner_sid == sid
            if owned:
                self.graph.close_source(source)  # its viewers fall back to their own sources
            self.names.release(client.source_name, sid)
        self.directory.left(client)  # may talk to Redis, so outside the graph's lock
        # The list changes if a listed source left, or a listed source lost a viewer.
        return ((owned and source.frames > 0)
                or (watched is not None and watched is not source and watched.frames > 0))

    def open_source(self, name: str, sid: str) -> Source:
        """Add shared source `name` published by `sid`, no client (a --camera); hold its name.

        Raise ClientError `source_taken` if the name is held, here or elsewhere.
        """
        self.directory.take_name(name, sid)  # may talk to Redis, so outside the lock
        try:
            with self.graph.lock:
                return self._add_source(name, sid, None, shared=True)
        except ClientError:
            self.directory.release_name(name, sid)
            raise

    def close_source(self, name: str, sid: str) -> None:
        """Remove source `name` if `sid` still publishes it and free the name (open_source's undo)."""
        with self.graph.lock:
            source = self.graph.sources.get(name)
            if source is not None and source.owner_sid == sid:
                self.graph.close_source(source)  # its viewers fall back, its HTTP streams end
            self.names.release(name, sid)
        self.directory.release_name(name, sid)

    def _add_source(self, name, sid, claim, shared):
        """Take `name` for `sid` and add its source; the caller holds the graph's lock."""
        moved_from = self.names.take(name, sid, claim)
        previous = self.graph.sources.get(name)
        if previous is not None:
            # The same publisher reconnected before its old connection was seen to drop.
            log.info("source %s moves from %s to %s", name, moved_from, sid)
            self.graph.close_source(previous)
        source = self.graph.sources[name] = Source(name, sid, shared=shared)
        return source

    def _free_name(self):
        """Return a generated source name no publisher holds (the prefix is the instance's)."""
        while True:
            name = f"{self.directory.name_prefix}-{next(self._numbers)}"
            if name not in self.graph.sources and name not in self.names:
                return name
