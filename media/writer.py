"""A recording's writer thread to its end: the file is finished before its row says so, and a
failure anywhere still ends in a row that says so (the library then frees the slot)."""

import logging

from . import durable
from .reconcile import finish_file

log = logging.getLogger(__name__)
DISK_FULL = "the disk is full; free some space (or delete some media) to record more"


def record_and_finish(store, recorder) -> dict:
    """Encode until the recording stops, finish its file, then write its row; return the row's values."""
    error = None
    try:
        recorder.write()
    except Exception as exc:  # the encoder or the disk failed; what was written is checked
        error = failure(exc, "failed")
        log.error("recording %s failed: %s: %.200s%s", recorder.id, type(exc).__name__, exc,
                  _free_space_note(store, exc))
    finally:
        recorder.handle.detach()
    values = finish_file(store, recorder.id, recorder.frames if error is None else None)
    values.update(dropped=recorder.dropped, message=error or recorder.message)
    store.update(recorder.id, **values)  # after the file is whole on disk
    return values


def mark_failed(store, recorder, exc) -> dict:
    """Mark a recording that could not be finished `broken`, in one log line; return the values."""
    values = {"status": "broken", "dropped": recorder.dropped,
              "message": failure(exc, "could not be finished")}
    try:
        store.update(recorder.id, **values)
        also = ""
    except Exception as again:  # the row stays `recording`: the next start finishes it
        also = f"; its row is left for the next start to finish ({type(again).__name__})"
    log.error("recording %s could not be finished: %s: %.200s%s%s", recorder.id,
              type(exc).__name__, exc, _free_space_note(store, exc), also)
    return values


def failure(exc, what) -> str:
    """Return the message a recording that `what` (failed, could not be finished) keeps."""
    if durable.is_disk_full(exc):
        return f"stopped: {DISK_FULL}"
    return f"stopped: the recording {what} ({type(exc).__name__})"


def _free_space_note(store, exc):
    if not durable.is_disk_full(exc):
        return ""
    return f" (the disk under {store.root} is full: {durable.free_mb(store.root):.1f} MB free)"
