"""One instance's part in a cluster: its heartbeat, the shared list, and frames both ways.

Every second an instance writes its record (its live shared sources and how many of its
viewers watch each remote one) with a short expiry, refreshes its names and its requests
for frames, and reads everyone else's records. A dead instance stops writing, so its
sources leave every list when its record expires. Redis being down changes nothing for
this instance's own clients: the last list known stays until Redis answers again.

The Cluster is the hub's Directory across instances (streaming/directory.py): the hub asks it
about names and remote sources, and it reads and changes the hub through its public API only.
"""

import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Callable

from pipeline import Settings
from protocol import GONE

from ..client import Client
from ..runtime import Runtime
from ..tap import Tap
from .keys import (HEARTBEAT_S, INSTANCE_TTL_S, MIN_BEAT_S, POKE_CHANNEL, SUBSCRIPTION_TTL_S,
                   instance_id, instance_key, subscriptions_key)
from .link import RedisLink
from .names import ClusterNames
from .outbox import Outbox
from .publisher import Publisher
from .relay import Relay, View
from .roster import Roster

if TYPE_CHECKING:
    from ..hub import StreamHub

log = logging.getLogger(__name__)


class Cluster:
    """Shares a hub's sources and viewers with the other instances through Redis."""

    def __init__(self, url: str, port: int, runtime: Runtime, emit: Callable[..., object],
                 unsent_frames: Callable[[str], int], name_grace_s: float):
        self.runtime = runtime
        self.link = RedisLink(url)
        self.instance = instance_id(port)
        self.name_prefix = f"camera-{self.instance.rsplit(':', 1)[-1]}"  # unique cluster-wide
        self.names = ClusterNames(self.link, self.instance, name_grace_s)
        self.publisher = Publisher(self.link, runtime.start_task)
        # A viewer here asking for a new stream wakes this heartbeat, which pokes the others,
        # so the first frame comes in a few ms rather than after two heartbeats.
        self._wake = threading.Event()
        self._asked = set()  # the requests for frames last written
        self.relay = Relay(self.link, emit, unsent_frames, runtime.start_task,
                           self._ended, on_poke=self._wake.set)
        self.roster = Roster(self.instance, self.relay)
        self.hub = None  # the StreamHub served, from start()
        self.outbox = None  # frames this instance sends out, from start()
        self._shown = None  # what the list looked like when last announced
        self._running = False

    def start(self, hub: "StreamHub") -> None:
        """Serve `hub`: start the heartbeat, the publisher and the relay."""
        self.hub = hub
        self.outbox = Outbox(hub, self.publisher)
        self._running = True
        self.publisher.start()
        self.relay.start()
        self.runtime.start_task(self._beat_loop)

    def stop(self) -> None:
        """Stop, and take this instance's record out at once rather than at its expiry."""
        self._running = False
        self._wake.set()
        self.publisher.stop()
        self.relay.stop()
        try:
            self.link.redis.delete(instance_key(self.instance))
        except self.link.down_errors:
            pass  # it expires by itself

    # The Directory, as the hub asks it ------------------------------------------------------

    def take_name(self, name: str, sid: str, claim: str | None = None) -> None:
        """Hold `name` for `sid` across the cluster; raise ClientError `source_taken`."""
        self.names.take(name, sid, claim)

    def release_name(self, name: str, sid: str) -> None:
        """Let go of a name `take_name` took for `sid`."""
        self.names.release(name, sid)

    def lists(self, name: object) -> bool:
        """Tell whether `name` is a live shared source on another instance."""
        return self.roster.lists(name)

    def watch(self, client: Client, name: str) -> None:
        """Make `client` a viewer of `name`, a source on another instance (see lists)."""
        self.relay.watch(client, name)
        self._wake.set()  # asks for the new settings' frames, and withdraws the old request

    def unwatch(self, client: Client) -> None:
        """Take `client` off any remote source."""
        self.relay.unwatch(client)
        self._wake.set()  # so the request it leaves is withdrawn now

    def watching(self, sid: str) -> str | None:
        """Return the remote source `sid` watches, or None."""
        return self.relay.watching(sid)

    def attach(self, name: str, settings: Settings, tap: Tap) -> View | None:
        """Feed `tap` the frames of `name` from its instance (None if none lists it)."""
        # Waking the heartbeat asks for the frames at once, so a snapshot's first frame is in time.
        view = self.relay.attach(name, settings, tap) if self.lists(name) else None
        self._wake.set()
        return view

    def detach(self, tap: Tap, view: View) -> None:
        """Stop feeding a tap that `attach` fed."""
        self.relay.detach(tap, view)
        self._wake.set()

    def left(self, client: Client) -> None:
        """Forget a client that disconnected: what it watched here and the name it held."""
        self.relay.unwatch(client)
        self.names.release(client.source_name, client.sid)
        self._wake.set()

    def merged(self, entries: list[dict]) -> list[dict]:
        """Return the `sources` list: this instance's entries and the others', viewers summed."""
        return self.roster.merged(entries)

    # The heartbeat ----------------------------------------------------------------------

    def _beat_loop(self):
        failing = False
        while self._running:
            started = time.monotonic()
            if failing:
                self.roster.distrust()
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
        record = {"sources": self.hub.local_sources(),
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
        self.roster.read(redis)
        self.outbox.serve(redis, now_ms)
        self._settle_views()
        shown = self.roster.shown()
        if shown != self._shown:
            self._shown = shown
            self.hub.announce_sources()

    def _lost_name(self, name):
        """Close a local source whose name another instance holds now.

        Its own publisher reconnecting elsewhere, or another that took the name while Redis
        was unreachable: either way this connection may not publish under it any more, and
        each frame it still sends is refused with `source_taken` (the hub's intake).
        """
        log.info("source %s is held on another instance now", name)
        self.hub.lose_source(name)

    # Remote viewers -----------------------------------------------------------------------

    def _settle_views(self):
        """Move viewers of a remote source that is now here; send those of one that left home."""
        for name in {name for name, _ in self.relay.wanted()}:
            if self.hub.has_source(name) or not self.roster.lists(name):
                self.relay.end_taps(name, GONE, "the source moved or disconnected")
                self._ended(name, self.relay.take_viewers(name), GONE, "the source disconnected")

    def _ended(self, name, viewers, state, message):
        # Called on the relay's thread too, when a source's instance ends its stream.
        self.hub.place_viewers(name, viewers, state, message)
