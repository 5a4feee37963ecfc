"""The access token kept in the data folder, so a saved link survives a restart (README, Security)."""

import logging
import os
import pathlib
import secrets
import stat

log = logging.getLogger(__name__)

FILE_NAME = "access-token"
MIN_LENGTH = 16  # shorter tokens from the file are refused; shorter ones given by hand are warned about


def make_token() -> str:
    """Return a fresh random token: 144 bits, URL-safe, fine in a link's #token= fragment."""
    return secrets.token_urlsafe(18)


def token_path(data_dir) -> pathlib.Path:
    """Return where the token of a data folder is kept."""
    return pathlib.Path(data_dir) / FILE_NAME


def stored_token(data_dir) -> str:
    """Return the data folder's token, making it the first time (readable by its owner only)."""
    path = token_path(data_dir)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    token = make_token()
    try:
        _write(path, token, replace=False)
    except FileExistsError:  # another process made it first: theirs is the token
        return _read(path)
    log.info("made a new access token, kept in %s", path)
    return token


def new_token(data_dir) -> str:
    """Replace the data folder's token with a fresh one; return it."""
    token = make_token()
    _write(token_path(data_dir), token, replace=True)
    return token


def _read(path):
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        # Copied or restored with loose permissions: tighten before trusting it.
        os.chmod(path, 0o600)
        log.warning("%s was readable by others; it is now readable by its owner only", path)
    token = path.read_text(encoding="ascii", errors="replace").strip()
    if len(token) < MIN_LENGTH or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError(f"{path} does not hold an access token: delete it, or run "
                         f"`python process.py --new-token` to write a new one")
    return token


def _write(path, token, replace):
    """Write `token` whole, or not at all: a new file is linked into place (or replaces the old)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(token + "\n")
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(spare, path)
        else:
            os.link(spare, path)  # fails if the file appeared meanwhile: never two tokens
    finally:
        spare.unlink(missing_ok=True)
