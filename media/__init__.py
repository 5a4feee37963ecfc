"""Recordings and snapshots of sources' processed frames, kept in a data folder with a SQLite library."""

from .library import MediaLibrary
from .limits import MediaError, MediaLimits

__all__ = ["MediaError", "MediaLibrary", "MediaLimits"]
