"""The key a pushing camera shows in its URL (`ws://SERVER:3001/ws?key=KEY`): made, read and compared."""

import base64
import hashlib
import hmac
import secrets
import urllib.parse


def push_key(token: str, name: str) -> str:
    """Return the key camera `name` puts in its push URL (?key=): made from the access token.

    So it survives restarts with the token, changes when the token is rotated, differs per
    camera, and tells nothing about the token itself.
    """
    digest = hmac.new(token.encode("utf-8", "surrogatepass"), f"push:{name}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def random_key() -> str:
    """Return a fresh push key, for a listener with no token to make one from."""
    return secrets.token_urlsafe(16)


def key_in(target: str) -> str:
    """Return the `key` a WebSocket request target ('/ws?key=...') carries, or ''."""
    query = target.partition("?")[2]
    return urllib.parse.parse_qs(query).get("key", [""])[0]


def keys_match(given: str, expected: str) -> bool:
    """Compare two keys in constant time; a key that is not plain text is simply wrong."""
    try:
        return hmac.compare_digest(given.encode("ascii"), expected.encode("ascii"))
    except UnicodeEncodeError:
        return False
