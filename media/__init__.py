"""Recordings and snapshots of sources' processed frames, kept in a data folder with a SQLite library."""

from .folder_lock import lock_data_dir
from .library import MediaLibrary
from .limits import MediaError, MediaLimits
from .owners import owner_digest

__all__ = ["MediaError", "MediaLibrary", "MediaLimits", "lock_data_dir", "owner_digest"]
