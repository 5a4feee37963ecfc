"""Who made an item, who sees it and who may stop or delete it (README, Recording and media).

A page makes an owner key once at random and sends it with its media requests; the library
keeps only the key's SHA-256. The maker of an item is whoever sent that key:

- a private camera's items (a page's own camera, not shared) are seen by their maker only;
- everything else is seen by every client that may use the server;
- only the maker deletes an item, and stops its recording; an item made without a key has
  no maker: any client may stop its recording, and only the operator deletes it
  (`python -m media delete ID`).
"""

import hashlib
import hmac
import re

from .limits import MediaError

OWNER_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")  # fullmatch; the page's is 32 random bytes, base64url
NOBODY = ""  # the digest column of an item made without a key


def owner_digest(key) -> str:
    """Return the digest stored for owner key `key` (NOBODY for none); MediaError if malformed."""
    if key is None or key == "":
        return NOBODY
    if not isinstance(key, str) or OWNER_KEY.fullmatch(key) is None:
        raise MediaError("an owner key is 16 to 128 letters, digits, '-' or '_'", "bad_owner_key")
    return hashlib.sha256(key.encode()).hexdigest()


def made_by(row, digest: str) -> bool:
    """Tell whether the holder of `digest` made the item `row`."""
    return digest != NOBODY and hmac.compare_digest(row["owner"], digest)


def can_see(row, digest: str) -> bool:
    """Tell whether the holder of `digest` may list, read and play the item."""
    return not row["private"] or made_by(row, digest)


def can_stop(row, digest: str) -> bool:
    """Tell whether the holder of `digest` may stop the recording `row`."""
    return can_see(row, digest) and (row["owner"] == NOBODY or made_by(row, digest))


def maker(row, digest: str) -> str:
    """Return who made the item, as the holder of `digest` sees it: "you", "another" or "none"."""
    if made_by(row, digest):
        return "you"
    return "another" if row["owner"] != NOBODY else "none"
