"""The media library: starts and stops recordings, takes snapshots, lists and deletes items."""

import logging
import threading
import time

import simplejpeg

from protocol import ClientError

from .limits import MediaError, MediaLimits
from .recorder import Recorder
from .reconcile import finish_file, reconcile
from .snapshot import FirstFrame
from .store import MediaStore, new_id

log = logging.getLogger(__name__)
WAIT_STEP_S = 0.02


class MediaLibrary:
    """Recordings and snapshots of the sources `attach` reaches, kept in `data_dir`."""

    def __init__(self, data_dir, attach, limits=MediaLimits(), on_finished=None, sleep=None):
        self.store = MediaStore(data_dir)
        # Under eventlet a request is a green thread: it waits by sleeping, never by blocking
        # the event loop on a threading.Event.
        self.sleep = sleep
        # hub.attach_tap: (source, settings, tap, sid) -> a handle to detach, or None. A source
        # on another instance of a cluster is recorded like one here.
        self._attach = attach
        self.limits = limits
        self.on_finished = on_finished  # (owner sid, row) -> None: tell the page that asked
        self.active = {}  # id -> Recorder
        self._owners = {}  # id -> sid of the page that started it, if any
        self._lock = threading.Lock()
        reconcile(self.store)

    # Recordings ------------------------------------------------------------------------------

    def attach(self, source, settings, tap, sid=None):
        """Attach `tap` to `source` processed with `settings`; None if not visible to `sid`."""
        try:
            return self._attach(source, settings, tap, sid)
        except ClientError as exc:
            raise _refused(exc) from None

    def record(self, source, settings, sid=None):
        """Start recording `source` as processed with `settings`; return its row."""
        self._check_room()
        with self._lock:
            if len(self.active) >= self.limits.max_recordings:
                raise MediaError(f"{len(self.active)} recordings are running, the most at once; "
                                 "stop one first", "too_many_recordings", 429)
            media_id = new_id()
            recorder = Recorder(media_id, source, self.store.temp_path(media_id, "recording"),
                                self.store.path(media_id, "thumbnail"), self.limits,
                                self._bytes_elsewhere)
            recorder.handle = self.attach(source, settings, recorder, sid)
            if recorder.handle is None:
                raise _unknown(source)
            self.store.insert(media_id, "recording", source)
            self.active[media_id] = recorder
            self._owners[media_id] = sid
        threading.Thread(target=self._write, args=(recorder,), name=f"record-{media_id}",
                         daemon=True).start()
        log.info("recording %s of source %s", media_id, source)
        return self.entry(media_id)

    def stop(self, media_id, wait_s=15.0):
        """Stop a recording and return its finished row (a finished one is returned as it is)."""
        recorder = self.active.get(media_id)
        if recorder is not None:
            recorder.stop()
            self._wait(recorder.finished, wait_s)
        row = self.entry(media_id)
        if row is None:
            raise MediaError("no such recording", "not_found", 404)
        return row

    def recording_of(self, sid):
        """Return the id of the recording the page `sid` started and that still runs, or None."""
        with self._lock:
            return next((i for i, owner in self._owners.items()
                         if owner == sid and i in self.active), None)

    def stop_all(self, message="stopped: the server is shutting down"):
        """Ask every recording to finish (server shutdown); return at once."""
        for recorder in list(self.active.values()):
            recorder.stop(message)

    def wait_finished(self, wait_s=3.0):
        """Wait at most `wait_s` in all for the recordings to finish their files."""
        deadline = time.monotonic() + wait_s
        for recorder in list(self.active.values()):
            self._wait(recorder.finished, max(0.0, deadline - time.monotonic()))

    def _write(self, recorder):
        error = None
        try:
            recorder.write()
        except Exception as exc:  # the encoder or the disk failed; what was written is checked
            error = f"stopped: the recording failed ({type(exc).__name__})"
            log.error("recording %s failed: %s: %.200s", recorder.id, type(exc).__name__, exc)
        finally:
            recorder.handle.detach()
        values = finish_file(self.store, recorder.id, recorder.frames if error is None else None)
        values.update(dropped=recorder.dropped, message=error or recorder.message)
        self.store.update(recorder.id, **values)
        with self._lock:
            self.active.pop(recorder.id, None)
            owner = self._owners.pop(recorder.id, None)
        recorder.finished.set()
        log.info("recording %s %s: %d frames, %d dropped, %.1f s%s", recorder.id, values["status"],
                 values.get("frames", 0), recorder.dropped, values.get("duration_s", 0),
                 f" ({values['message']})" if values["message"] else "")
        if self.on_finished is not None and owner is not None:
            self.on_finished(owner, self.entry(recorder.id))

    def _wait(self, event, seconds):
        if self.sleep is None:
            return event.wait(seconds)
        deadline = time.monotonic() + seconds
        while not event.is_set() and time.monotonic() < deadline:
            self.sleep(WAIT_STEP_S)
        return event.is_set()

    def _bytes_elsewhere(self, recorder):
        others = sum(r.bytes for r in list(self.active.values()) if r is not recorder)
        return self.store.bytes_used() + others

    def _check_room(self):
        quota = self.limits.quota_bytes
        if quota and self._bytes_elsewhere(None) >= quota:
            raise MediaError(f"the disk quota of {self.limits.quota_mb:g} MB for media is full; "
                             "delete some recordings first", "quota_full", 507)

    # Snapshots -------------------------------------------------------------------------------

    def snapshot(self, source, settings, sid=None):
        """Save the next processed frame of `source` as a JPEG; return its row."""
        self._check_room()
        tap = FirstFrame()
        handle = self.attach(source, settings, tap, sid)
        if handle is None:
            raise _unknown(source)
        try:
            self._wait(tap.ready, self.limits.snapshot_wait_s)
        finally:
            handle.detach()
        if tap.jpeg is None:
            raise MediaError(f"no frame came from source '{source}' in "
                             f"{self.limits.snapshot_wait_s:g} s", "no_frame", 504)
        media_id = new_id()
        scratch = self.store.temp_path(media_id, "snapshot")
        scratch.write_bytes(tap.jpeg)
        scratch.replace(self.store.path(media_id, "snapshot"))
        height, width, _, _ = simplejpeg.decode_jpeg_header(tap.jpeg)  # our own encoder's JPEG
        self.store.insert(media_id, "snapshot", source, status="ok", frames=1,
                          bytes=len(tap.jpeg), width=width, height=height)
        log.info("snapshot %s of source %s", media_id, source)
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
    return MediaError(exc.message, exc.code, 429)


def _unknown(source):
    return MediaError(f"no live shared source named '{source}'", "unknown_source", 404)
