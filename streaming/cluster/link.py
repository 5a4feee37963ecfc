"""The connection to Redis, and the one log line that says whether it is up."""

import logging
import threading

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from .keys import shown_url

log = logging.getLogger(__name__)

# What a Redis outage looks like from here; anything else is a bug and is not swallowed.
REDIS_DOWN = (redis.RedisError, OSError)
TIMEOUT_S = 1.0


class RedisLink:
    """A Redis client that fails fast, and notes (in one line each way) when Redis goes and returns."""

    def __init__(self, url: str):
        self.url = url
        # Fail within a second and leave retrying to the callers' loops, which come round every
        # second anyway: a retrying client would stall a heartbeat for many seconds instead.
        self.redis = redis.Redis.from_url(url, socket_timeout=TIMEOUT_S,
                                          socket_connect_timeout=TIMEOUT_S,
                                          retry=Retry(NoBackoff(), 0), health_check_interval=5)
        self.up = None  # unknown until the first call
        self.down_errors = REDIS_DOWN
        self._lock = threading.Lock()

    def pubsub(self) -> redis.client.PubSub:
        """Return a new pub/sub connection (owned by one thread)."""
        return self.redis.pubsub(ignore_subscribe_messages=True)

    def ok(self) -> None:
        """Note a call that worked."""
        with self._lock:
            was, self.up = self.up, True
        if was is False:
            log.warning("Redis at %s is back: sharing sources across instances again",
                        shown_url(self.url))
        elif was is None:
            log.info("Redis at %s: sharing sources with the other instances", shown_url(self.url))

    def failed(self, exc: Exception) -> None:
        """Note a call that failed because Redis is unreachable."""
        with self._lock:
            was, self.up = self.up, False
        if was is not False:
            log.error("Redis at %s is unreachable (%s: %.120s): serving this instance's own "
                      "clients only, and retrying every %g s", shown_url(self.url),
                      type(exc).__name__, exc, TIMEOUT_S)
