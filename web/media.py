"""The media library on the web edge: built with the app, entries as JSON, the page's Socket.IO events.

The page records and snapshots over its own Socket.IO connection (events `record` and
`snapshot`), so it can record its own private camera and exactly what it watches with its
settings. Scripts use the HTTP API (routes/media_api.py), which reaches shared sources only.
"""

import hashlib
import hmac
import logging

from flask import request

from media import MediaError, MediaLibrary, MediaLimits
from media.store import DEFAULT_DATA_DIR

log = logging.getLogger(__name__)


def build_library(config, hub, socketio, token):
    """Return the media library for `hub`'s sources; it tells a page when its recording ends."""
    limits = MediaLimits(max_recording_s=config["max_recording_s"], quota_mb=config["media_quota_mb"],
                         max_recordings=config["max_recordings"])

    def finished(sid, row):
        socketio.emit("recording", entry_json(row, token), to=sid)

    sleep = socketio.sleep if config["async_mode"] == "eventlet" else None
    library = MediaLibrary(config["data_dir"] or DEFAULT_DATA_DIR, hub.attach_tap, limits, finished,
                           sleep)
    _register_events(socketio, hub, library, token)
    return library


def file_key(token, media_id):
    """Return the key that lets a `<video>` or `<img>` fetch one item's files without the token."""
    return hmac.new(token.encode(), f"media:{media_id}".encode(), hashlib.sha256).hexdigest()[:32]


def entry_json(row, token):
    """Return the API form of a library row."""
    media_id = row["id"]
    key = f"?key={file_key(token, media_id)}"
    ending = ".mp4" if row["kind"] == "recording" else ".jpg"
    thumbnail = ".thumb.jpg" if row["kind"] == "recording" else ".jpg"
    return {
        "id": media_id, "kind": row["kind"], "source": row["source"], "created": row["created"],
        "duration_s": row["duration_s"], "frames": row["frames"], "dropped": row["dropped"],
        "bytes": row["bytes"], "width": row["width"], "height": row["height"],
        "status": row["status"], "message": row["message"],
        "url": f"/media/files/{media_id}{ending}{key}",
        "thumbnail_url": f"/media/files/{media_id}{thumbnail}{key}",
    }


def error_json(exc):
    """Return the error form of a MediaError, as the Socket.IO protocol's errors are."""
    return {"error": {"code": exc.code, "message": exc.message}}


def _register_events(socketio, hub, library, token):

    def watched(sid):
        """Return (source name, settings) of what the page `sid` watches."""
        client = hub.clients.get(sid)
        if client is None:
            raise MediaError("connect before recording", "not_connected")
        rendition = client.rendition
        return (rendition.source.name if rendition else client.source_name), client.settings

    @socketio.on("record")
    def on_record(*args):
        action = args[0].get("action") if len(args) == 1 and isinstance(args[0], dict) else None
        sid = request.sid
        try:
            running = library.recording_of(sid)
            if action == "start":
                if running is not None:
                    raise MediaError("this page is recording already", "recording_already")
                return entry_json(library.record(*watched(sid), sid=sid), token)
            if action in ("stop", "status"):
                if running is None:
                    return {"status": "idle"}
                recorder = library.active.get(running)
                if action == "stop" and recorder is not None:
                    recorder.stop()  # the `recording` event brings the finished entry
                return entry_json(library.entry(running), token)
            raise MediaError('record takes {"action": "start", "stop" or "status"}', "bad_record")
        except MediaError as exc:
            return error_json(exc)

    pending = set()  # pages with a snapshot on its way: one each, so a page cannot pile them up

    @socketio.on("snapshot")
    def on_snapshot(*_args):
        # It waits for the next frame, which may be one this very connection sends: so not
        # here, where it would hold this connection's messages, but in a task of its own.
        sid = request.sid
        try:
            if sid in pending:
                raise MediaError("a snapshot is being taken already", "snapshot_pending")
            source, settings = watched(sid)
        except MediaError as exc:
            return error_json(exc)
        pending.add(sid)

        def take():
            try:
                answer = entry_json(library.snapshot(source, settings, sid=sid), token)
            except MediaError as exc:
                answer = error_json(exc)
            finally:
                pending.discard(sid)
            socketio.emit("snapshot_saved", answer, to=sid)

        socketio.start_background_task(take)
        return {"status": "pending"}
