"""The media library: starts and stops recordings, takes snapshots, lists and deletes items."""

import logging
import threading
import time

from protocol import ClientError

from . import durable, writer
from .folder_lock import lock_data_dir
from .limits import MediaError, MediaLimits
from .owners import NOBODY
from .recorder import Recorder
from .reconcile import reconcile
from .snapshot import Snapshots
from .store import MediaStore, new_id
from .waiting import wait_for

log = logging.getLogger(__name__)


class MediaLibrary:
    """Recordings and snapshots of the sources `attach` reaches, kept in `data_dir`."""

    def __init__(self, data_dir, attach, limits=MediaLimits(), on_finished=None, sleep=None):
        # First of all: a second server on this folder would take the first one's running
        # recordings for cut-off ones and cut them back (ValueError names the folder).
        lock_data_dir(data_dir)
        self.store = MediaStore(data_dir)
        self.sleep = sleep  # eventlet's sleep, or None: how a request waits (waiting.py)
        # hub.attach_tap: (source, settings, tap, sid) -> a handle to detach, or None. A source
        # on another instance of a cluster is recorded like one here.
        self._attach = attach
        self.limits = limits
        self.on_finished = on_finished  # (requester sid, row) -> None: tell the page that asked
        self.active = {}  # id -> Recorder
        self._requesters = {}  # id -> sid of the page that started it, if any
        self._lock = threading.Lock()
        self.snapshots = Snapshots(self.store, limits, sleep)
        reconcile(self.store)

    # Recordings ------------------------------------------------------------------------------

    def attach(self, source, settings, tap, sid=None):
        """Attach `tap` to `source` processed with `settings`; None if not visible to `sid`."""
        try:
            return self._attach(source, settings, tap, sid)
        except ClientError as exc:
            raise _refused(exc) from None

    def record(self, source, settings, sid=None, owner=NOBODY, private=False):
        """Start recording `source` as processed with `settings` for `owner`; return its row."""
        self._check_room()
        with self._lock:
            if len(self.active) >= self.limits.max_recordings:
                raise MediaError(f"{len(self.active)} recordings are running, the most at once; "
                                 "stop one first", "too_many_recordings")
            media_id = new_id()
            recorder = Recorder(media_id, source, self.store.temp_path(media_id, "recording"),
                                self.store.path(media_id, "thumbnail"), self.limits,
                                self._bytes_elsewhere)
            recorder.handle = self.attach(source, settings, recorder, sid)
            if recorder.handle is None:
                raise _unknown(source)
            try:
                self.store.insert(media_id, "recording", source, owner=owner, private=int(private))
            except Exception as exc:
                recorder.handle.detach()
                if durable.is_disk_full(exc):
                    raise _disk_full() from None
                raise
            self.active[media_id] = recorder
            self._requesters[media_id] = sid
        threading.Thread(target=self._write, args=(recorder,), name=f"record-{media_id}",
                         daemon=True).start()
        log.info("recording %s of source %s", media_id, source)
        return self.entry(media_id)

    def stop(self, media_id, wait_s=15.0):
        """Stop a recording and return its finished row (a finished one is returned as it is)."""
        recorder = self.active.get(media_id)
        if recorder is not None:
            recorder.stop()
            wait_for(recorder.finished, wait_s, self.sleep)
        row = self.entry(media_id)
        if row is None:
            raise MediaError("no such recording", "not_found")
        return row

    def recording_of(self, sid):
        """Return the id of the recording the page `sid` started and that still runs, or None."""
        with self._lock:
            return next((i for i, requester in self._requesters.items()
                         if requester == sid and i in self.active), None)

    def stop_all(self, message="stopped: the server is shutting down"):
        """Ask every recording to finish (server shutdown); return at once."""
        for recorder in list(self.active.values()):
            recorder.stop(message)

    def wait_finished(self, wait_s=3.0):
        """Wait at most `wait_s` in all for the recordings to finish their files."""
        deadline = time.monotonic() + wait_s
        for recorder in list(self.active.values()):
            wait_for(recorder.finished, max(0.0, deadline - time.monotonic()), self.sleep)

    def _write(self, recorder):
        """The writer thread: record, finish the file, write the row; the slot is freed however it ends."""
        try:
            values = writer.record_and_finish(self.store, recorder)
        except Exception as exc:  # a full disk, a locked database, a bug: never a leaked slot
            values = writer.mark_failed(self.store, recorder, exc)
        finally:
            with self._lock:
                self.active.pop(recorder.id, None)
                requester = self._requesters.pop(recorder.id, None)
            recorder.finished.set()
        log.info("recording %s %s: %d frames, %d dropped, %.1f s%s", recorder.id, values["status"],
                 values.get("frames", 0), recorder.dropped, values.get("duration_s", 0),
                 f" ({values['message']})" if values["message"] else "")
        if self.on_finished is not None and requester is not None:
            self.on_finished(requester, self.entry(recorder.id))

    def _bytes_elsewhere(self, recorder):
        others = sum(r.bytes for r in list(self.active.values()) if r is not recorder)
        return self.store.bytes_used() + others

    def _check_room(self):
        quota = self.limits.quota_bytes
        if quota and self._bytes_elsewhere(None) >= quota:
            raise MediaError(f"the disk quota of {self.limits.quota_mb:g} MB for media is full; "
                             "delete some recordings first", "quota_full")

    # Snapshots -------------------------------------------------------------------------------

    def snapshot(self, source, settings, sid=None, owner=NOBODY, private=False):
        """Save the next processed frame of `source` as a JPEG for `owner`; return its row."""
        self._check_room()

        def attach(tap):
            handle = self.attach(source, settings, tap, sid)
            if handle is None:
                raise _unknown(source)
            return handle

        media_id = self.snapshots.take(source, attach, owner=owner, private=int(private))
        return self.entry(media_id)

    # Items -----------------------------------------------------------------------------------

    def entry(self, media_id):
        """Return the row of `media_id`, with live counts while it records; None if unknown."""
        row = self.store.get(media_id)
        recorder = self.active.get(media_id)
        if row is not None and recorder is not None:
            row.update(frames=recorder.frames, dropped=recorder.dropped, bytes=recorder.bytes,
                       duration_s=round(recorder.elapsed(), 1))
        return row

    def delete(self, media_id):
        """Delete an item: a running recording is stopped first. Return whether it existed."""
        if media_id in self.active:
            self.stop(media_id)
        return self.store.delete(media_id)


def _refused(exc):
    """Return a MediaError for a tap the stream graph refused (a source at its rendition cap)."""
    return MediaError(exc.message, exc.code)


def _unknown(source):
    return MediaError(f"no live shared source named '{source}'", "no_source")


def _disk_full():
    return MediaError(f"cannot record: {writer.DISK_FULL}", "disk_full")
