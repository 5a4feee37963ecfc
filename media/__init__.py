"""Recordings and snapshots of sources' processed frames, kept in a data folder with a SQLite library."""

from .library import MediaLibrary, MediaLimits, MediaError

__all__ = ["MediaError", "MediaLibrary", "MediaLimits"]
