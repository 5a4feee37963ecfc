"""The Host names a server without a token answers to: a defence against DNS rebinding."""

import logging

from .access import needs_token

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_LOGGED_MAX = 64  # distinct refused names logged; a flood of made-up names logs no more


def host_name(header):
    """Return the name in a Host header, without its port, lower case: '[::1]:80' -> '[::1]'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[:header.find("]") + 1]
    return header.rsplit(":", 1)[0].rstrip(".")


def allowed_hosts(config):
    """Return the names this server answers to: loopback, where it listens, and --allow-host."""
    listening = config["host"]
    listening = f"[{listening}]" if ":" in listening else listening
    given = (host_name(name) for name in config["allowed_hosts"])
    return frozenset((*LOOPBACK_HOSTS, host_name(listening), *given))


def host_check(wsgi_app, config):
    """Wrap `wsgi_app` so that, where no token is needed, an unknown Host is refused with 400.

    A page on any site can rebind its name to 127.0.0.1 and so reach a loopback server from
    the visitor's browser; its requests still carry that site's name in Host. Where the token
    is needed (beyond loopback, --public, or through a tunnel) it guards instead, and a
    tunnel's own name (x.ngrok-free.app) need not be listed.
    """
    allowed = allowed_hosts(config)
    logged = set()

    def app(environ, start_response):
        name = host_name(environ.get("HTTP_HOST", ""))
        if name in allowed or needs_token(config, environ):
            return wsgi_app(environ, start_response)
        if len(logged) < _LOGGED_MAX and name not in logged:
            logged.add(name)
            log.warning("refused a request for unknown host %.80r; --allow-host NAME allows it",
                        name)
        body = (b"Unknown Host. This server answers to localhost and the names given with "
                b"--allow-host NAME (or $ALLOWED_HOSTS).\n")
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                           ("Content-Length", str(len(body)))])
        return [body]

    return app
