"""Who may connect: the access token always (unless --no-token), same origin (plus an allow-list) only."""

import hmac
import ipaddress
import logging
import socket

from media.store import DEFAULT_DATA_DIR
from protocol import ClientError
from protocol.refusals import RefusalLog

from .guesses import GuessGuard, client_address, retry_after
from .token_file import stored_token

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}
UNAUTHORIZED = ("this server needs its access token: open the link it printed at start-up "
                "(…/#token=…), pass --token to the bridge, or send Authorization: Bearer TOKEN "
                "(or ?token=TOKEN) from a player")


def is_loopback(host):
    """Tell whether listening on `host` is reachable from this machine only."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# Headers a tunnel or reverse proxy (ngrok, cloudflared, nginx) adds to what it forwards.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_FORWARDED_HOST",
                 "HTTP_X_REAL_IP", "HTTP_CF_CONNECTING_IP")


def access_token(config: dict) -> str:
    """Return the token set by flag or environment, else the one kept in the data folder."""
    return config["token"] or stored_token(config["data_dir"] or DEFAULT_DATA_DIR)


def token_everywhere(config: dict) -> bool:
    """Tell whether every connection needs the token: yes, unless the server runs --no-token."""
    return not config["no_token"]


def needs_token(config: dict, environ: dict) -> bool:
    """Tell whether this connection must present the token.

    Always, loopback included: a port forward (ssh -R, ngrok tcp, socat) makes any client look
    local. Only with --no-token does a direct local connection go without; one that a proxy
    forwarded (it adds X-Forwarded-For and the like) needs the token all the same.
    """
    return token_everywhere(config) or any(header in environ for header in PROXY_HEADERS)


def token_matches(expected: str, auth) -> bool:
    """Tell whether the Socket.IO `auth` payload carries the expected token."""
    given = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(given, str):
        return False
    try:
        given_bytes = given.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800") cannot be the token
        return False
    return hmac.compare_digest(given_bytes, expected.encode())


class Gatekeeper:
    """The token rule in one place for Socket.IO and HTTP: the check, the guessing guard, the log."""

    def __init__(self, config: dict, token: str, guard: GuessGuard | None = None,
                 refusals: RefusalLog | None = None):
        self.config = config
        self.token = token
        self.guard = guard or GuessGuard()
        self.refusals = refusals or RefusalLog(log)

    def admit(self, given, environ: dict) -> None:
        """Raise ClientError (`unauthorized`, `too_many_tries`) unless this request may pass."""
        if not needs_token(self.config, environ):
            return
        address = client_address(environ)
        wait = self.guard.wait_left(address)
        if wait:
            raise TooManyTries(wait)
        if not token_matches(self.token, {"token": given}):
            if given:  # a missing token (a page without its link sends '') is no guess
                self.guard.failed(address)
            raise ClientError(UNAUTHORIZED, code="unauthorized")
        self.guard.succeeded(address)


class TooManyTries(ClientError):
    """An address that presented too many wrong tokens, told when it may try again."""

    code = "too_many_tries"

    def __init__(self, wait_s: float):
        self.retry_after = retry_after(wait_s)
        super().__init__(f"too many wrong tokens from your address: try again in "
                         f"{self.retry_after} s")

    def __reduce__(self):
        return type(self), (self.retry_after,)


def gatekeeper(app) -> Gatekeeper:
    """Return the app's Gatekeeper, made on first use (Socket.IO's connect and the HTTP gate share it)."""
    keeper = app.extensions.get("gatekeeper")
    if keeper is None:
        keeper = app.extensions["gatekeeper"] = Gatekeeper(app.config["STREAM"],
                                                           app.config["ACCESS_TOKEN"])
    return keeper


def same_origin(origin, environ):
    """Tell whether `origin` is the page's own origin, also behind a proxy such as ngrok."""
    host = environ.get("HTTP_HOST", "")
    scheme = environ.get("wsgi.url_scheme", "http")
    own = {f"{scheme}://{host}"}
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        own.add(f"{forwarded_scheme}://{forwarded_host}")
    return origin in own


def origin_checker(allowed):
    """Return Engine.IO's origin check: same origin, or one of `allowed` (never '*')."""
    allowed = {origin.rstrip("/") for origin in allowed}

    def check(origin, environ):
        # Non-browser clients (the bridge, python-socketio) send no Origin header at all.
        return origin is None or origin in allowed or same_origin(origin, environ)

    return check


def lan_addresses():
    """Return this machine's non-loopback IPv4 addresses, best guess first."""
    found = []
    try:
        # Connecting a UDP socket sends nothing; it only asks the OS which interface it would use.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never contacted
            found.append(probe.getsockname()[0])
    except OSError:
        pass
    return [a for a in found if not ipaddress.ip_address(a).is_loopback]


def reachable_hosts(host: str) -> list[str]:
    """Return the addresses to put in a link for a server listening on `host`."""
    hosts = lan_addresses() if host in ("0.0.0.0", "::", "") else [host]
    return hosts or ["127.0.0.1"]


def share_urls(host, port, scheme, token):
    """Return the URLs to open, with the token in the fragment (never sent to any server)."""
    suffix = f"/#token={token}" if token else "/"
    return [f"{scheme}://{h}:{port}{suffix}" for h in reachable_hosts(host)]
