"""The token at the HTTP edge: every route but a few public ones needs it, checked before any route runs.

An allow-list: a route added later (another `/api/…`) is guarded without anyone remembering to.
"""

import http
import json

from protocol import ClientError

from .access import Gatekeeper
from .headers import HEADERS
from .request_token import given_token

# Pages and their static parts carry no camera and no secret; their scripts then ask for the
# rest with the token. /media/files/ takes an item's own key instead (routes/media_api.py), and
# Socket.IO checks the token in its connect handler (events.py).
PUBLIC_PATHS = frozenset(("/", "/cameras", "/media", "/healthz", "/favicon.ico"))
PUBLIC_PREFIXES = ("/static/", "/vendor/", "/media/files/", "/socket.io/")


def is_public(path: str) -> bool:
    """Tell whether `path` may be asked for without the token."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def token_gate(wsgi_app, keeper: Gatekeeper):
    """Wrap `wsgi_app` so a request without the right token is refused before it reaches a route.

    A token presented to a public path is checked too (a wrong one is a guess, whatever the
    path; /healthz shows its counts only to the right one). `keeper` is the app's Gatekeeper.
    """

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        given = given_token(environ)
        if path.startswith("/socket.io/") or (given is None and is_public(path)):
            return wsgi_app(environ, start_response)
        try:
            keeper.admit(given, environ)
        except ClientError as exc:
            keeper.refusals.note(exc.code)
            return _refuse(start_response, exc)
        return wsgi_app(environ, start_response)

    return app


def _refuse(start_response, exc):
    body = json.dumps({"error": exc.as_event()}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
               ("Cache-Control", "no-store"), *HEADERS.items()]
    if getattr(exc, "retry_after", None) is not None:
        headers.append(("Retry-After", str(exc.retry_after)))
    status = http.HTTPStatus(exc.status)  # its code's (protocol/error_codes.py)
    start_response(f"{status.value} {status.phrase}", headers)
    return [body]
