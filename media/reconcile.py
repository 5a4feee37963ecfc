"""Finishing a recording's file, and the start-up check that rows and files agree."""

import logging

import av

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
    scratch.unlink(missing_ok=True)
    found = probe_size(target)
    return {"status": "ok", "frames": frames, "duration_s": duration,
            "bytes": target.stat().st_size, "width": found[0], "height": found[1]}


def probe_size(path):
    """Return (width, height) of a video file from its header."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return stream.codec_context.width, stream.codec_context.height


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
        if source != target:
            source.replace(target)
        return {"status": "broken", "frames": 0, "bytes": target.stat().st_size}
    frames, duration, width, height = found
    try:
        remux(source, target)
        if source != target:
            source.unlink(missing_ok=True)
    except Exception as exc:  # the fragments decode but do not copy: keep them as they are
        log.warning("recording %s kept unremuxed: %s", target.name, exc)
        if source != target:
            source.replace(target)
    return {"status": "truncated", "frames": frames, "duration_s": duration,
            "bytes": target.stat().st_size, "width": width, "height": height}


def reconcile(store):
    """Make rows and files agree after a start; report it in one log line."""
    rows, total = store.query(limit=-1)
    salvaged = {"truncated": 0, "broken": 0}
    for row in rows:
        if row["status"] == "recording":  # the server stopped without finishing it
            values = finish_file(store, row["id"])
            values.setdefault("message", "the server stopped while recording")
            store.update(row["id"], **values)
            salvaged[values["status"]] += 1
    orphans = store.orphan_files()
    for path in orphans:
        path.unlink(missing_ok=True)
    missing = store.rows_without_file()
    for row in missing:
        store.delete(row["id"])
    log.info("media library %s: %d item(s); removed %d file(s) without a row and %d row(s) "
             "without a file; %d cut-off recording(s) marked truncated, %d broken",
             store.root, total - len(missing), len(orphans), len(missing),
             salvaged["truncated"], salvaged["broken"])
