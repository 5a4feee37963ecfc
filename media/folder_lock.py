"""One server per data folder: a lock file held with flock for the life of the process.

A second server on the same folder would take the first one's running recordings for
cut-off ones at its start and cut them back. The kernel drops the lock when the process
ends, however it ends (kill -9 too), so a stale lock file never blocks a restart.
"""

import fcntl
import logging
import os
import pathlib

log = logging.getLogger(__name__)

# Named after the library it guards (and so ignored by git with it in data/).
LOCK_NAME = "library.sqlite3.lock"
# Folders this process holds, with their open lock files. A child forked after the lock
# (gunicorn's worker) inherits both, so locking again there is a no-op, not a refusal.
_held = {}


def lock_data_dir(path) -> pathlib.Path:
    """Hold the lock on data folder `path` until the process ends; ValueError if another holds it."""
    root = pathlib.Path(path).resolve()
    if root in _held:
        return root
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        holder = _read_pid(fd)
        os.close(fd)
        raise ValueError(f"the data folder {root} is in use by another server"
                         f"{f' (process {holder})' if holder else ''}; give each instance its "
                         "own --data-dir (README, Scaling out)") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    _held[root] = fd
    log.debug("holding %s", root / LOCK_NAME)
    return root


def _read_pid(fd):
    """Return the process id the holder wrote, or '' (for the message only)."""
    text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    return text if text.isascii() and text.isdigit() else ""
