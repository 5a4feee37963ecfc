"""What the other instances list: their live shared sources, and who watches each from where."""

import json
import time

from redis import Redis

from .counts import merge, tally
from .keys import INSTANCE_TTL_S, PREFIX, instance_key
from .relay import Relay


class Roster:
    """The other instances' records as last read from Redis, and the `sources` list they make."""

    def __init__(self, instance: str, relay: Relay):
        self.instance = instance
        self.relay = relay  # this instance's viewers and players of remote sources
        self.remote: dict[str, dict] = {}  # name -> its `sources` entry, on other instances
        self._watchers: dict[str, int] = {}  # name -> viewers on other instances
        self._players: dict[str, int] = {}  # name -> MJPEG players on other instances
        self._trust_after = 0.0  # (monotonic) when Redis's records are complete again

    def lists(self, name: object) -> bool:
        """Tell whether `name` is a live shared source on another instance."""
        return isinstance(name, str) and name in self.remote

    def distrust(self) -> None:
        """Redis may have come back empty: until every instance has written its record again,
        a source missing from Redis is not taken to have left."""
        self._trust_after = time.monotonic() + INSTANCE_TTL_S

    def read(self, redis: Redis) -> None:
        """Read every other instance's record."""
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

    def merged(self, local: list[dict]) -> list[dict]:
        """Return the `sources` list: this instance's entries and the others', viewers summed."""
        return merge(local, self.remote, (self._watchers, self.relay.counts()),
                     (self._players, self.relay.counts(players=True)))

    def shown(self) -> tuple:
        """Return what the others add to the list, to tell when it changed."""
        return (sorted((e["name"], e.get("state")) for e in self.remote.values()),
                sorted(self._watchers.items()), sorted(self._players.items()),
                sorted(self.relay.counts().items()),
                sorted(self.relay.counts(players=True).items()))
