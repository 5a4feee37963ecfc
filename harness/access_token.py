"""The access token the bench's (and the tests') servers and clients share: one a run, in $ACCESS_TOKEN.

Every server started from here inherits it through the environment; every client presents it
by default, as the Socket.IO `auth` payload or an `Authorization: Bearer` header. A client that
means to go without says so: `auth={"token": None}`, or `headers={"Authorization": None}`.
"""

import json
import os
import secrets
import urllib.parse

VARIABLE = "ACCESS_TOKEN"


def session_token() -> str:
    """Return this run's token, chosen on first use and kept in the environment for children."""
    return os.environ.setdefault(VARIABLE, secrets.token_urlsafe(18))


def with_token(auth: dict | None = None) -> dict:
    """Return a Socket.IO auth payload holding the token; `auth`'s own keys (a token too) win."""
    return {"token": session_token(), **(auth or {})}


def connect_packet(auth: dict | None = None) -> str:
    """Return the raw Socket.IO connect packet to '/' with the token, for a hand-made WebSocket."""
    return "40" + json.dumps(with_token(auth))


def bearer(headers: dict | None = None, url: str = "") -> dict:
    """Return `headers` with `Authorization: Bearer TOKEN` added.

    Not added where `headers` name an Authorization of their own (None: send none) or `url`
    carries `?token=`: those requests are about the token they give.
    """
    headers = dict(headers or {})
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    if "Authorization" not in headers and "token" not in query:
        headers["Authorization"] = f"Bearer {session_token()}"
    return {name: value for name, value in headers.items() if value is not None}
