"""Snapshots: the next processed frame of a rendition, saved as a JPEG; a bounded number wait at once."""

import logging
import sqlite3
import threading

import simplejpeg

from . import durable
from .limits import MediaError
from .store import new_id
from .waiting import wait_for

log = logging.getLogger(__name__)


class FirstFrame:
    """A tap that keeps the first frame it gets: a snapshot."""

    def __init__(self):
        self.jpeg = None
        self.ended = None
        self.ready = threading.Event()

    def deliver(self, jpeg, _meta):
        """Keep the frame if it is the first."""
        if self.jpeg is None:
            self.jpeg = jpeg
        self.ready.set()

    def end(self, _state, message):
        """The source left before a frame came."""
        self.ended = message
        self.ready.set()


class Snapshots:
    """Takes snapshots into `store`; each holds a thread while it waits, so only so many wait."""

    def __init__(self, store, limits, sleep=None):
        self.store = store
        self.limits = limits  # MediaLimits: snapshot_wait_s, max_snapshots
        self.sleep = sleep  # eventlet's sleep, or None to block on the event
        self.waiting = 0
        self._lock = threading.Lock()

    def take(self, source, attach, **row):
        """Save the next frame `attach(tap)` feeds as a snapshot of `source`; return its id.

        `row` holds more columns (owner, private). MediaError: too many waiting (429), no
        frame in time (504), a full disk (507).
        """
        with self._lock:
            if self.waiting >= self.limits.max_snapshots:
                raise MediaError(f"{self.waiting} snapshots are being taken, the most at once; "
                                 "try again in a moment", "too_many_snapshots")
            self.waiting += 1
        try:
            jpeg = self._frame(source, attach)
        finally:
            with self._lock:
                self.waiting -= 1
        media_id = new_id()
        self._save(media_id, source, jpeg, row)
        log.info("snapshot %s of source %s", media_id, source)
        return media_id

    def _frame(self, source, attach):
        tap = FirstFrame()
        handle = attach(tap)
        try:
            wait_for(tap.ready, self.limits.snapshot_wait_s, self.sleep)
        finally:
            handle.detach()
        if tap.jpeg is None:
            raise MediaError(f"no frame came from source '{source}' in "
                             f"{self.limits.snapshot_wait_s:g} s", "no_frame")
        return tap.jpeg

    def _save(self, media_id, source, jpeg, row):
        """Write the file durably, then its row; on a full disk neither stays."""
        path = self.store.path(media_id, "snapshot")
        height, width, _, _ = simplejpeg.decode_jpeg_header(jpeg)  # our own encoder's JPEG
        try:
            durable.write(path, jpeg, self.store.temp_path(media_id, "snapshot"))
            self.store.insert(media_id, "snapshot", source, status="ok", frames=1,
                              bytes=len(jpeg), width=width, height=height, **row)
        except (OSError, sqlite3.Error) as exc:
            path.unlink(missing_ok=True)
            if not durable.is_disk_full(exc):
                raise
            log.error("snapshot of source %s not saved: the disk under %s is full (%.1f MB free)",
                      source, self.store.root, durable.free_mb(self.store.root))
            raise MediaError("the disk is full: free some space (or delete some media) to save "
                             "snapshots", "disk_full") from None
