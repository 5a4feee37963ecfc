"""Finishing a recording's file, and the start-up check that rows and files agree.

Whatever the row will say is made true on disk first: the file's data is synced, it is
renamed into place and its folder is synced (durable.py), and only then does the caller
write the row. A power loss at any point leaves a row still `recording` (finished at the
next start) or a finished row with its whole file, never an `ok` row without one.
"""

import logging

import av

from . import durable
from .video import probe, remux, whole_fragments

log = logging.getLogger(__name__)


def finish_file(store, media_id, frames=None):
    """Turn a recording's scratch file into its final file; return the row's new values.

    `frames` is the count a clean stop recorded; None means the recording was cut short (a
    kill or a failure), so the file is cut back to its last whole fragment and decoded to
    see what it holds. Only a clean stop with frames is ever `ok`.
    """
    scratch = store.temp_path(media_id, "recording")
    target = store.path(media_id, "recording")
    source = scratch if scratch.is_file() else target
    _sync_thumbnail(store, media_id)
    if frames == 0:
        scratch.unlink(missing_ok=True)
        return {"status": "broken", "frames": 0, "bytes": 0, "message": "no frames were recorded"}
    if frames is None:
        return _salvage(source, target)
    try:
        duration = remux(source, target)
    except Exception as exc:  # an encoder bug or a full disk: check what the file holds
        log.error("recording %s could not be finished: %s: %.200s", media_id, type(exc).__name__, exc)
        return _salvage(source, target)
    scratch.unlink(missing_ok=True)  # a copy of what the final file holds
    found = probe_size(target)
    return {"status": "ok", "frames": frames, "duration_s": duration,
            "bytes": target.stat().st_size, "width": found[0], "height": found[1]}


def probe_size(path):
    """Return (width, height) of a video file from its header."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


def _sync_thumbnail(store, media_id):
    thumbnail = store.path(media_id, "thumbnail")
    if thumbnail.is_file():
        durable.sync_file(thumbnail)  # its name is synced with the video's rename


def _salvage(source, target):
    """Keep what plays of a file cut off mid-write: `truncated`, or `broken` if nothing does."""
    if not source.is_file():
        return {"status": "broken", "frames": 0, "bytes": 0}
    whole = whole_fragments(source)
    with open(source, "r+b") as data:
        if whole < data.seek(0, 2):
            data.truncate(whole)
    found = probe(source) if whole else None
    if found is None:
        _keep(source, target)
        return {"status": "broken", "frames": 0, "bytes": target.stat().st_size}
    frames, duration, width, height = found
    try:
        remux(source, target)
        if source != target:
            source.unlink(missing_ok=True)
    except Exception as exc:  # the fragments decode but do not copy: keep them as they are
        log.warning("recording %s kept unremuxed: %s", target.name, exc)
        _keep(source, target)
    return {"status": "truncated", "frames": frames, "duration_s": duration,
            "bytes": target.stat().st_size, "width": width, "height": height}


def _keep(source, target):
    """Make `source` the final file `target` as it is, durably."""
    if source != target:
        durable.replace(source, target)
    else:
        durable.sync_file(target)


def needs_finishing(store, row):
    """Tell whether a row's recording was left unfinished (a kill, or a failed finish)."""
    if row["status"] == "recording":
        return True
    return row["status"] == "broken" and store.temp_path(row["id"], "recording").is_file()


def reconcile(store):
    """Make rows and files agree after a start, deleting no file; report it in one log line."""
    rows, total = store.query(limit=-1)
    salvaged = {"truncated": 0, "broken": 0}
    unfinished = set()  # their scratch files stay for the next start
    for row in rows:
        if row["kind"] == "recording" and needs_finishing(store, row):
            try:
                values = finish_file(store, row["id"])
                values.setdefault("message", row["message"] or "the server stopped while recording")
                store.update(row["id"], **values)
            except Exception as exc:  # a full disk, say: the server starts, the next start retries
                log.error("recording %s could not be finished at start: %s: %.200s", row["id"],
                          type(exc).__name__, exc)
                unfinished.add(row["id"])
                continue
            salvaged[values["status"]] += 1
    missing = [row for row in store.rows_without_file() if row["id"] not in unfinished]
    for row in missing:
        store.forget(row["id"])  # its other files (a thumbnail) are set aside below
    orphans = [path for path in store.orphan_files() if path.name[:16] not in unfinished]
    folder = store.set_aside(orphans)
    if orphans:
        log.warning("media library %s: set aside %d file(s) without a row in %s: %s",
                    store.root, len(orphans), folder, ", ".join(p.name for p in orphans[:10]))
    log.info("media library %s: %d item(s); set aside %d file(s) without a row and removed %d "
             "row(s) without a file; %d cut-off recording(s) marked truncated, %d broken",
             store.root, total - len(missing), len(orphans), len(missing),
             salvaged["truncated"], salvaged["broken"])
