"""The media library on the web edge: built with the app, entries as JSON, the page's Socket.IO events.

The page records and snapshots over its own Socket.IO connection (events `record` and
`snapshot`), so it can record its own private camera and exactly what it watches with its
settings. Scripts use the HTTP API (routes/media_api.py), which reaches shared sources only.
Each request carries the page's owner key (media/owners.py), so it owns what it makes.
"""

import hashlib
import hmac
import logging

from flask import request

from media import MediaError, MediaLibrary, MediaLimits, lock_data_dir, owner_digest
from media.owners import NOBODY, maker
from media.store import DEFAULT_DATA_DIR

log = logging.getLogger(__name__)


def build_library(config, hub, socketio, token):
    """Return the media library for `hub`'s sources; it tells a page when its recording ends.

    It locks the data folder first: ValueError if another server holds it.
    """
    limits = MediaLimits(max_recording_s=config["max_recording_s"], quota_mb=config["media_quota_mb"],
                         max_recordings=config["max_recordings"],
                         max_snapshots=config.get("max_snapshots", MediaLimits.max_snapshots))

    def finished(sid, row):
        socketio.emit("recording", entry_json(row, token, row["owner"]), to=sid)

    folder = config["data_dir"] or DEFAULT_DATA_DIR
    try:
        lock_data_dir(folder)
    except ValueError:
        # The pipeline's processes started before this; left running, they would keep this
        # process from exiting. (Locked first thing at start-up, this never happens.)
        hub.pipeline.close()
        raise
    sleep = socketio.sleep if config["async_mode"] == "eventlet" else None
    return MediaLibrary(folder, hub.attach_tap, limits, finished, sleep)


def file_key(token, media_id):
    """Return the key that lets a `<video>` or `<img>` fetch one item's files without the token."""
    return hmac.new(token.encode(), f"media:{media_id}".encode(), hashlib.sha256).hexdigest()[:32]


def entry_json(row, token, viewer=NOBODY):
    """Return the API form of a library row, as the holder of owner digest `viewer` sees it."""
    media_id = row["id"]
    key = f"?key={file_key(token, media_id)}"
    ending = ".mp4" if row["kind"] == "recording" else ".jpg"
    thumbnail = ".thumb.jpg" if row["kind"] == "recording" else ".jpg"
    return {
        "id": media_id, "kind": row["kind"], "source": row["source"], "created": row["created"],
        "duration_s": row["duration_s"], "frames": row["frames"], "dropped": row["dropped"],
        "bytes": row["bytes"], "width": row["width"], "height": row["height"],
        "status": row["status"], "message": row["message"],
        "private": bool(row["private"]), "maker": maker(row, viewer),
        "url": f"/media/files/{media_id}{ending}{key}",
        "thumbnail_url": f"/media/files/{media_id}{thumbnail}{key}",
    }


def error_json(exc):
    """Return the ack of a refused `record` or `snapshot`: `{"error": {code, message}}`."""
    return {"error": exc.as_event()}


def watched(hub, sid):
    """Return (source name, settings, private) of what the page `sid` shows now.

    Its own camera, a shared source here, or one it watches on another instance; a page
    between sources is refused rather than recorded from a source it does not show.
    """
    client = hub.clients.get(sid)
    if client is None:
        raise MediaError("connect before recording", "not_connected")
    rendition = client.rendition
    if rendition is not None:
        return rendition.source.name, client.settings, not rendition.source.shared
    remote = hub.watched_elsewhere(sid)
    if remote is None:
        raise MediaError("this page shows no source right now; pick one and try again",
                         "nothing_shown")
    return remote, client.settings, False  # another instance only ever offers shared sources


def page_owner(hub, sid, payload):
    """Return the owner digest of a page's event: its `owner` key, else the one it connected with."""
    if isinstance(payload, dict) and payload.get("owner") is not None:
        return owner_digest(payload["owner"])
    return getattr(hub.clients.get(sid), "owner", NOBODY)  # set by the connect handler, if wired


def owner_from_auth(auth) -> str:
    """Return the owner digest a connecting page's Socket.IO `auth` carries (its `owner` key).

    For the connect handler: `client.owner = owner_from_auth(auth)`; MediaError (a ClientError)
    if malformed.
    """
    return owner_digest(auth.get("owner") if isinstance(auth, dict) else None)


def _checked_private(private, owner):
    if private and owner == NOBODY:
        raise MediaError("recording your own camera needs this page's owner key; reload the page",
                         "owner_key_needed")


class MediaEvents:
    """The page's `record` and `snapshot` events, on the media library (see web/wiring.py)."""

    def __init__(self, socketio, hub, library, token):
        self.socketio, self.hub, self.library, self.token = socketio, hub, library, token
        # Pages with a snapshot on its way: one each, so a page cannot pile them up.
        self.pending = set()

    def on_record(self, *args):
        """Start, stop or report this page's recording."""
        payload = args[0] if len(args) == 1 and isinstance(args[0], dict) else {}
        action = payload.get("action")
        sid = request.sid
        try:
            owner = page_owner(self.hub, sid, payload)
            running = self.library.recording_of(sid)
            if action == "start":
                if running is not None:
                    raise MediaError("this page is recording already", "recording_already")
                source, settings, private = watched(self.hub, sid)
                _checked_private(private, owner)
                row = self.library.record(source, settings, sid=sid, owner=owner, private=private)
                return entry_json(row, self.token, owner)
            if action in ("stop", "status"):
                if running is None:
                    return {"status": "idle"}
                recorder = self.library.active.get(running)
                if action == "stop" and recorder is not None:
                    recorder.stop()  # the `recording` event brings the finished entry
                return entry_json(self.library.entry(running), self.token, owner)
            raise MediaError('record takes {"action": "start", "stop" or "status"}', "bad_record")
        except MediaError as exc:
            return error_json(exc)

    def on_snapshot(self, *args):
        """Take a snapshot of what this page shows; the answer comes as `snapshot_saved`."""
        # It waits for the next frame, which may be one this very connection sends: so not
        # here, where it would hold this connection's messages, but in a task of its own.
        sid = request.sid
        try:
            if sid in self.pending:
                raise MediaError("a snapshot is being taken already", "snapshot_pending")
            owner = page_owner(self.hub, sid, args[0] if len(args) == 1 else None)
            source, settings, private = watched(self.hub, sid)
            _checked_private(private, owner)
        except MediaError as exc:
            return error_json(exc)
        self.pending.add(sid)

        def take():
            try:
                row = self.library.snapshot(source, settings, sid=sid, owner=owner, private=private)
                answer = entry_json(row, self.token, owner)
            except MediaError as exc:
                answer = error_json(exc)
            finally:
                self.pending.discard(sid)
            self.socketio.emit("snapshot_saved", answer, to=sid)

        self.socketio.start_background_task(take)
        return {"status": "pending"}
