"""Files that survive a power loss: data synced, then renamed into place, then the folder synced.

A rename is only durable once the folder holding it is synced, and the renamed file's data only
once the file is: a row may say a file is whole only after both (README, Recording and media).
"""

import errno
import logging
import os
import pathlib

log = logging.getLogger(__name__)

FULL = (errno.ENOSPC, errno.EDQUOT)


def sync_file(path: pathlib.Path) -> None:
    """Flush a file's data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_dir(path: pathlib.Path) -> None:
    """Flush a folder's entries (renames, new and removed names) to the disk."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace(scratch: pathlib.Path, target: pathlib.Path) -> None:
    """Sync `scratch`, rename it to `target`, then sync the folder: `target` is whole on disk."""
    sync_file(scratch)
    os.replace(scratch, target)
    sync_dir(target.parent)


def write(target: pathlib.Path, data: bytes, scratch: pathlib.Path) -> None:
    """Write `data` to `target` through `scratch`; on failure (a full disk) no scratch is left."""
    try:
        with open(scratch, "wb") as out:
            out.write(data)
        replace(scratch, target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def is_disk_full(exc: BaseException) -> bool:
    """Tell whether `exc`, or one it came from, says the disk (or the quota) is full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "errno", None) in FULL or "database or disk is full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def free_mb(path: pathlib.Path) -> float:
    """Return the megabytes free for files under `path`."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize / 2**20
