"""Who holds each source name: one publisher, proved by a secret claim, with a grace period."""

import dataclasses
import hashlib
import hmac
import logging
import time
from typing import Callable

from protocol import ClientError

log = logging.getLogger(__name__)

NAME_GRACE_S = 15.0  # long enough for a bridge's reconnect backoff to come round a few times


def claim_digest(claim: str | None) -> bytes | None:
    """Return the SHA-256 of a claim: the server keeps this, never the claim itself."""
    return hashlib.sha256(claim.encode("utf-8")).digest() if claim else None


@dataclasses.dataclass
class Holding:
    """A name's holder: the connection using it (None in the grace period) and its claim's digest."""

    digest: bytes | None
    sid: str | None = None
    free_at: float | None = None  # when a disconnected holder's name frees (monotonic)


class NameRegistry:
    """Gives each name to one publisher; its own claim wins it back, anyone else is refused."""

    def __init__(self, grace_s: float = NAME_GRACE_S, clock: Callable[[], float] = time.monotonic):
        self.grace_s = grace_s
        self.clock = clock
        self._held = {}  # name -> Holding

    def __contains__(self, name: str) -> bool:
        return self._holding(name) is not None

    def take(self, name: str, sid: str, claim: str | None = None) -> str | None:
        """Give `name` to connection `sid`; return the sid it moves from (same claim), if any.

        Raise `source_taken` if another publisher holds it, or held it a moment ago.
        """
        held = self.check(name, claim)
        self._held[name] = Holding(claim_digest(claim), sid)
        return held.sid if held is not None else None

    def check(self, name: str, claim: str | None = None) -> Holding | None:
        """Raise `source_taken` unless `claim` may take `name`; return its Holding, if any."""
        self._sweep()
        digest = claim_digest(claim)
        held = self._holding(name)
        same = digest and held and held.digest and hmac.compare_digest(digest, held.digest)
        if held is not None and not same:
            if held.sid is not None:
                raise ClientError(f"the source name '{name}' is in use; pick another name",
                                  code="source_taken")
            wait = max(1, round(held.free_at - self.clock()))
            refused = ClientError(f"the source name '{name}' is kept for its publisher for {wait} s "
                                  "more; pick another name, or try again then", code="source_taken")
            refused.retry_after = wait  # time fixes this one: a bridge waits and tries again
            raise refused
        return held

    def release(self, name: str, sid: str) -> None:
        """Note that `sid` left: a claimed name is kept for its claim a while, any other frees."""
        held = self._held.get(name)
        if held is None or held.sid != sid:
            return
        if held.digest is None:
            del self._held[name]
        else:
            held.sid, held.free_at = None, self.clock() + self.grace_s

    def _sweep(self):
        # Names whose grace ran out would otherwise pile up until someone asked for them.
        for name in [n for n, h in self._held.items() if h.sid is None]:
            self._holding(name)

    def _holding(self, name):
        held = self._held.get(name)
        if held is not None and held.sid is None and self.clock() >= held.free_at:
            del self._held[name]
            log.info("source name %s is free again", name)
            return None
        return held
