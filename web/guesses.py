"""Slow down token guessing: per client address, a few free wrong tries, then a growing wait."""

import ipaddress
import math
import threading
import time

FREE_TRIES = 10       # wrong tokens an address may present before it has to wait
FIRST_WAIT_S = 2.0    # the wait after the last free one; it doubles with each wrong try after
LONGEST_WAIT_S = 60.0
FORGET_AFTER_S = 600.0  # an address quiet this long starts afresh
MAX_ADDRESSES = 4096    # addresses remembered at once; the longest quiet is forgotten first


def client_address(environ: dict) -> str:
    """Return the address a request came from; an IPv6 one by its /64, which one host holds."""
    address = environ.get("REMOTE_ADDR") or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 4:
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ipaddress.ip_network(f"{parsed}/64", strict=False))


class GuessGuard:
    """Counts wrong tokens per address; over FREE_TRIES, the address waits before its next try.

    A waiting address is answered at once ("try again in N s") without its token being looked
    at, so guessing costs the attacker time while costing the server no thread and no wait.
    Everyone behind one address (a NAT, or a tunnel whose clients all arrive from 127.0.0.1)
    shares its wait: the token itself is the only thing that tells them apart.
    """

    def __init__(self, free_tries: int = FREE_TRIES, first_wait_s: float = FIRST_WAIT_S,
                 longest_wait_s: float = LONGEST_WAIT_S, forget_after_s: float = FORGET_AFTER_S,
                 max_addresses: int = MAX_ADDRESSES, clock=time.monotonic):
        self.free_tries = free_tries
        self.first_wait_s = first_wait_s
        self.longest_wait_s = longest_wait_s
        self.forget_after_s = forget_after_s
        self.max_addresses = max_addresses
        self.clock = clock
        self._lock = threading.Lock()
        self._addresses = {}  # address -> [wrong tries, last wrong try, may try again at]

    def wait_left(self, address: str) -> float:
        """Return the seconds `address` must still wait before its token is looked at (0: none)."""
        now = self.clock()
        with self._lock:
            entry = self._addresses.get(address)
            if entry is None:
                return 0.0
            if now - entry[1] > self.forget_after_s:
                del self._addresses[address]
                return 0.0
            return max(0.0, entry[2] - now)

    def failed(self, address: str) -> float:
        """Count a wrong token from `address`; return how long it must now wait (0: none)."""
        now = self.clock()
        with self._lock:
            entry = self._addresses.pop(address, None)
            if entry is None or now - entry[1] > self.forget_after_s:
                entry = [0, now, now]
            entry[0] += 1
            entry[1] = now
            over = entry[0] - self.free_tries  # 0 for the last free try: its wait is the first
            wait = 0.0 if over < 0 else min(self.first_wait_s * 2 ** min(over, 32),
                                            self.longest_wait_s)
            entry[2] = now + wait
            self._addresses[address] = entry  # re-inserted: the dict stays oldest-first
            while len(self._addresses) > self.max_addresses:
                del self._addresses[next(iter(self._addresses))]
            return wait

    def succeeded(self, address: str) -> None:
        """Forget the wrong tries of an address that has just shown the right token."""
        with self._lock:
            self._addresses.pop(address, None)


def retry_after(wait_s: float) -> int:
    """Return a wait as the whole seconds a client is told (at least 1)."""
    return max(1, math.ceil(wait_s))
