"""Who may connect: an access token beyond loopback, and same-origin (plus an allow-list) only."""

import hmac
import ipaddress
import secrets
import socket

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


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


def access_token(config):
    """Return the token set by flag or environment, or a fresh random one made at start."""
    return config["token"] or secrets.token_urlsafe(18)


def token_everywhere(config):
    """Tell whether every connection needs the token: the server listens beyond loopback."""
    return bool(config["public"] or not is_loopback(config["host"]))


def needs_token(config, environ):
    """Tell whether this connection must present the token.

    On loopback a local user needs none, but a tunnel such as ngrok also connects from
    loopback: a request that came through a proxy needs the token all the same.
    """
    return token_everywhere(config) or any(header in environ for header in PROXY_HEADERS)


def token_matches(expected, auth):
    """Tell whether the Socket.IO `auth` payload carries the expected token."""
    given = auth.get("token") if isinstance(auth, dict) else None
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


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


def share_urls(host, port, scheme, token):
    """Return the URLs to open, with the token in the fragment (never sent to any server)."""
    hosts = lan_addresses() if host in ("0.0.0.0", "::", "") else [host]
    hosts = hosts or ["127.0.0.1"]
    suffix = f"/#token={token}" if token else "/"
    return [f"{scheme}://{h}:{port}{suffix}" for h in hosts]
