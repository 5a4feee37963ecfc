"""Source names held across the cluster: one publisher per name, won back by the same claim.

A name's key holds 'instance|sid|claim digest' and expires unless its instance refreshes it,
so a dead instance's names free themselves; a publisher reconnecting with its claim takes
its name at once, on whichever instance it lands.
"""

import threading

from protocol import ClientError

from ..names import claim_digest
from .keys import NAME_TTL_S, name_key
from .link import RedisLink

# Take the name unless another publisher holds it; return the holder when refused.
_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held then
  local digest = string.match(held, '^[^|]*|[^|]*|(.*)$')
  if ARGV[2] == '' or digest ~= ARGV[2] then return held end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return false
"""
# Keep the name while it is ours (or take it back after Redis lost it); 0 when someone took it.
_REFRESH = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] or not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
# Let go: a claimed name is kept for its claim a while (no holder), any other frees at once.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '' then redis.call('DEL', KEYS[1])
  else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
end
return 0
"""


class ClusterNames:
    """The names this instance's publishers hold in Redis."""

    def __init__(self, link: RedisLink, instance: str, grace_s: float):
        self.link = link
        self.instance = instance
        self.grace_ms = int(grace_s * 1000)
        self.held = {}  # name -> value written in Redis
        self._lock = threading.Lock()
        r = link.redis
        self._claim, self._refresh, self._release = (r.register_script(s)
                                                     for s in (_CLAIM, _REFRESH, _RELEASE))

    def take(self, name: str, sid: str, claim: str | None = None) -> None:
        """Hold `name` for `sid` cluster-wide; raise `source_taken` if another publisher has it.

        Redis being down is no reason to refuse a camera: the name is then checked on this
        instance only, and written to Redis by the next refresh that works.
        """
        digest = claim_digest(claim)
        value = f"{self.instance}|{sid}|{digest.hex() if digest else ''}"
        try:
            holder = self._claim(keys=[name_key(name)],
                                 args=[value, digest.hex() if digest else "", int(NAME_TTL_S * 1000)])
            self.link.ok()
        except self.link.down_errors as exc:
            self.link.failed(exc)
            holder = None
        if holder is not None:
            raise ClientError(f"the source name '{name}' is in use on another instance; "
                              f"pick another name", code="source_taken")
        with self._lock:
            current = self.held.get(name)
            # Another publisher's holding here stays: this one is refused by the instance's own
            # registry next, and its release must not drop the holder's name (Redis down).
            if current is None or (digest and current.rsplit("|", 1)[1] == digest.hex()):
                self.held[name] = value

    def release(self, name: str, sid: str) -> None:
        """Let go of `name` if `sid` holds it; a claimed one stays kept for its claim a while."""
        with self._lock:
            value = self.held.get(name)
            if value is None or value.split("|")[1] != sid:
                return
            del self.held[name]
        instance, _, digest = value.split("|")
        kept = f"{instance}||{digest}" if digest else ""
        try:
            self._release(keys=[name_key(name)], args=[value, kept, self.grace_ms])
        except self.link.down_errors as exc:
            self.link.failed(exc)  # the key expires by itself

    def refresh(self) -> list[str]:
        """Keep every held name alive; return the names another instance took meanwhile."""
        with self._lock:
            held = list(self.held.items())
        lost = []
        for name, value in held:
            if not self._refresh(keys=[name_key(name)], args=[value, int(NAME_TTL_S * 1000)]):
                lost.append(name)
                with self._lock:
                    if self.held.get(name) == value:
                        del self.held[name]
        return lost
