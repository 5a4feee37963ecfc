"""One instance's part in a cluster: its heartbeat, the shared list, and frames both ways.

Every second an instance writes its record (its live shared sources and how many of its
viewers watch each remote one) with a short expiry, refreshes its names and its requests
for frames, and reads everyone else's records. A dead instance stops writing, so its
sources leave every list when its record expires. Redis being down changes nothing for
this instance's own clients: the last list known stays until Redis answers again.
"""

import json
import logging
import threading
import time

from protocol import GONE

from .keys import (HEARTBEAT_S, INSTANCE_TTL_S, MIN_BEAT_S, POKE_CHANNEL, PREFIX,
                   SUBSCRIPTION_TTL_S, instance_id, instance_key, subscriptions_key)
from .link import RedisLink
from .names import ClusterNames
from .outbox import Outbox
from .counts import merge, tally
from .places import place_viewers
from .publisher import Publisher
from .relay import Relay

log = logging.getLogger(__name__)


class Cluster:
    """Shares a hub's sources and viewers with the other instances through Redis."""

    def __init__(self, hub, url, port, runtime):
        self.hub = hub
        self.runtime = runtime
        self.link = RedisLink(url)
        self.instance = instance_id(port)
        self.names = ClusterNames(self.link, self.instance, hub.names.grace_s)
        self.publisher = Publisher(self.link, runtime.start_task)
        # A viewer here asking for a new stream wakes this heartbeat, which pokes the others,
        # so the first frame comes in a few ms rather than after two heartbeats.
        self._wake = threading.Event()
        self._asked = set()  # the requests for frames last written
        self.relay = Relay(self.link, hub.emit, hub.pool.unsent_frames, runtime.start_task,
                           self._ended, on_poke=self._wake.set)
        self.remote = {}  # name -> its `sources` entry, for sources on other instances
        self._watchers = {}  # name -> viewers on other instances
        self._players = {}  # name -> MJPEG players on other instances
        self.outbox = Outbox(hub.graph, self.publisher)  # frames this instance sends out
        self._shown = None  # what the list looked like when last announced
        self._trust_after = 0.0  # (monotonic) when Redis's records are complete again
        self._running = False

    def start(self):
        """Start the heartbeat, the publisher and the relay."""
        self._running = True
        self.publisher.start()
        self.relay.start()
        self.runtime.start_task(self._beat_loop)

    def stop(self):
        """Stop, and take this instance's record out at once rather than at its expiry."""
        self._running = False
        self._wake.set()
        self.publisher.stop()
        self.relay.stop()
        try:
            self.link.redis.delete(instance_key(self.instance))
        except self.link.down_errors:
            pass  # it expires by itself

    # Called by the hub ------------------------------------------------------------------

    def lists(self, name):
        """Tell whether `name` is a live shared source on another instance."""
        return isinstance(name, str) and name in self.remote

    def watch(self, client, name):
        """Make `client` a viewer of `name`, a source on another instance (see lists)."""
        self.relay.watch(client, name)
        self._wake.set()  # asks for the new settings' frames, and withdraws the old request

    def unwatch(self, client):
        """Take `client` off any remote source."""
        self.relay.unwatch(client)
        self._wake.set()  # so the request it leaves is withdrawn now

    def watching(self, sid):
        """Return the remote source `sid` watches, or None."""
        return self.relay.watching(sid)

    def attach(self, name, settings, tap):
        """Feed `tap` the frames of `name` from its instance (None if none lists it): attach_tap."""
        # Waking the heartbeat asks for the frames at once, so a snapshot's first frame is in time.
        view = self.relay.attach(name, settings, tap) if self.lists(name) else None
        self._wake.set()
        return view

    def detach(self, tap, view):
        """Stop feeding a tap that `attach` fed."""
        self.relay.detach(tap, view)
        self._wake.set()

    def left(self, client):
        """Forget a client that disconnected: what it watched here and the name it held."""
        self.relay.unwatch(client)
        self.names.release(client.source_name, client.sid)
        self._wake.set()

    def merged(self, local):
        """Return the `sources` list: this instance's entries and the others', viewers summed."""
        return merge(local, self.remote, (self._watchers, self.relay.counts()),
                     (self._players, self.relay.counts(players=True)))

    # The heartbeat ----------------------------------------------------------------------

    def _beat_loop(self):
        failing = False
        while self._running:
            started = time.monotonic()
            if failing:
                # Redis may have come back empty: until every instance has written its record
                # again, a source missing from Redis is not taken to have left.
                self._trust_after = started + INSTANCE_TTL_S
            try:
                self._beat()
                self.link.ok()
                failing = False
            except self.link.down_errors as exc:
                self.link.failed(exc)
                failing = True
            except Exception:  # a bug must not end the heartbeat, which sharing depends on
                log.exception("cluster heartbeat failed")
            self.runtime.sleep(max(0.0, MIN_BEAT_S - (time.monotonic() - started)))
            self._wake.wait(max(0.0, HEARTBEAT_S - (time.monotonic() - started)))
            self._wake.clear()

    def _beat(self):
        redis = self.link.redis
        seconds, micros = redis.time()
        now_ms = seconds * 1000 + micros // 1000
        record = {"sources": self.hub.graph.listed(time.monotonic()),
                  "watching": self.relay.counts(), "playing": self.relay.counts(players=True)}
        asked = set(self.relay.wanted())
        with redis.pipeline(transaction=False) as pipe:
            pipe.set(instance_key(self.instance), json.dumps(record),
                     px=int(INSTANCE_TTL_S * 1000))
            for name, text in asked:
                key = subscriptions_key(name)
                pipe.zadd(key, {f"{self.instance}|{text}": now_ms + SUBSCRIPTION_TTL_S * 1000})
                pipe.pexpire(key, int(2 * SUBSCRIPTION_TTL_S * 1000))
            # An ended view frees its rendition on the source's instance at once, not when its
            # request lapses: a viewer changing settings must not keep a trail of them alive.
            for name, text in self._asked - asked:
                pipe.zrem(subscriptions_key(name), f"{self.instance}|{text}")
            if asked != self._asked:
                pipe.publish(POKE_CHANNEL, self.instance)
            pipe.execute()
        self._asked = asked
        for name in self.names.refresh():
            self._lost_name(name)
        self._read_records()
        self.outbox.serve(redis, now_ms)
        self._settle_views()
        shown = (sorted((e["name"], e.get("state")) for e in self.remote.values()),
                 sorted(self._watchers.items()), sorted(self._players.items()),
                 sorted(self.relay.counts().items()),
                 sorted(self.relay.counts(players=True).items()))
        if shown != self._shown:
            self._shown = shown
            self.hub._announce_sources()

    def _read_records(self):
        redis = self.link.redis
        keys = [k for k in redis.scan_iter(match=f"{PREFIX}instance:*", count=500)
                if k.decode() != instance_key(self.instance)]
        # A record may expire between the scan and the read.
        records = [json.loads(raw) for raw in (redis.mget(keys) if keys else []) if raw is not None]
        remote = {}
        for entry in (entry for record in records for entry in record.get("sources", [])):
            remote.setdefault(entry["name"], entry)
        if time.monotonic() < self._trust_after:
            remote = {**self.remote, **remote}
        self.remote = remote
        self._watchers, self._players = tally(records, "watching"), tally(records, "playing")

    def _lost_name(self, name):
        """Close a local source whose name another instance holds now, and tell its publisher.

        Its own publisher reconnecting elsewhere, or another that took the name while Redis
        was unreachable: either way this connection may not publish under it any more, and
        is told so rather than refused frame after frame.
        """
        with self.hub.graph.lock:
            source = self.hub.sources.get(name)
            if source is not None:
                self.hub.graph.close_source(source)
        log.info("source %s is held on another instance now", name)
        if source is not None:
            self.hub.evict(source.owner_sid, ClientError(
                f"the source name '{name}' is held on another instance now (taken there while "
                "the instances could not reach each other, or by your own reconnect); "
                "reconnect, with another name if it stays taken", code="source_taken"))

    # Remote viewers -----------------------------------------------------------------------

    def _settle_views(self):
        """Move viewers of a remote source that is now here; send those of one that left home."""
        for name in {name for name, _ in self.relay.wanted()}:
            if self.hub.graph.visible_to(name) is not None or name not in self.remote:
                self.relay.end_taps(name, GONE, "the source moved or disconnected")
                self._ended(name, self.relay.take_viewers(name), GONE, "the source disconnected")

    def _ended(self, name, viewers, state, message):
        place_viewers(self.hub, name, viewers, state, message)
