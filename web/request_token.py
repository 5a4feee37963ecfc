"""The access token a request carries, read in one place for HTTP routes, the token gate and Socket.IO."""

from .access import needs_token, token_matches

# Where hide_query_token (query_token.py) keeps a `?token=` it took out of the query string.
ENVIRON_KEY = "stream.query_token"


def given_token(environ: dict, auth: dict | None = None):
    """Return the token a request carries, or None.

    In order: the Socket.IO `auth` payload's `token`, `Authorization: Bearer TOKEN`, `?token=`.
    Any value an `auth` payload sends is returned as it is: the check refuses what is not a string.
    """
    if isinstance(auth, dict) and auth.get("token") is not None:
        return auth["token"]
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return environ.get(ENVIRON_KEY)


def carries_token(expected: str, environ: dict) -> bool:
    """Tell whether this request carries the expected token."""
    return token_matches(expected, {"token": given_token(environ)})


def may_watch(config: dict, expected: str, environ: dict) -> bool:
    """Tell whether this request may pass: no token needed here, or it carries the right one."""
    return not needs_token(config, environ) or carries_token(expected, environ)
