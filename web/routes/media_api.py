"""The media JSON API, the files it points to and the /media page (README, Recording and media).

Access follows the server's rule: beyond loopback (or through a tunnel) every call needs the
token as `Authorization: Bearer TOKEN`; a file URL from an entry carries its own key instead,
so `<video>` and `<img>` can load it. A POST must be JSON from the page's own origin, so
another site cannot make a visitor's browser start or stop anything. Who sees, stops and
deletes an item follows its maker's owner key, sent as `X-Owner-Key` (media/owners.py).
"""

import hmac
import re

from flask import Blueprint, current_app, jsonify, render_template, request, send_file

from media import MediaError, owner_digest
from media.owners import can_see, can_stop, made_by
from media.store import FILE_NAME, KINDS, is_id
from pipeline import Settings
from protocol import SOURCE_NAME_RULE, SettingsError, is_source_name

from ..access import needs_token, origin_checker, token_matches
from ..media import entry_json, file_key

blueprint = Blueprint("media", __name__)
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() also reads '²'-like digits
OWNER_HEADER = "X-Owner-Key"
ROLES = {".mp4": "recording", ".jpg": "snapshot", ".thumb.jpg": "thumbnail"}


class Refused(Exception):
    """An API request answered with an error."""

    def __init__(self, message, code, status=400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@blueprint.errorhandler(Refused)
@blueprint.errorhandler(MediaError)
def _refused(exc):
    return jsonify(error={"code": exc.code, "message": exc.message}), exc.status


def _library():
    return current_app.extensions["media_library"]


def _token():
    return current_app.config["ACCESS_TOKEN"]


def _check_access():
    """Refuse a caller without the token where the token is needed."""
    if not needs_token(current_app.config["STREAM"], request.environ):
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token_matches(_token(), {"token": given}):
        raise Refused("this server needs its access token: Authorization: Bearer TOKEN",
                      "unauthorized", 401)


def _check_origin():
    """Refuse a change requested from another site's page (scripts send no Origin)."""
    allowed = origin_checker(current_app.config["STREAM"]["allowed_origins"])
    if not allowed(request.headers.get("Origin"), request.environ):
        raise Refused("requests from other sites are refused", "bad_origin", 403)


def _json_body():
    """Return the JSON object a POST carries."""
    _check_origin()
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise Refused("send a JSON object with Content-Type: application/json", "bad_request")
    return body


def _source_and_settings(body):
    source = body.get("source")
    if not is_source_name(source):
        raise Refused(f"source must be a source name: {SOURCE_NAME_RULE}", "bad_source_name")
    try:
        settings = Settings().updated(body.get("settings") or {})
    except SettingsError as exc:
        raise Refused(exc.message, exc.code) from None
    return source, settings


def _checked_id(media_id):
    if not is_id(media_id):
        raise Refused("an id is 16 hex digits", "bad_id")
    return media_id


def _owner():
    """Return the owner digest of the caller's `X-Owner-Key` (none: the empty digest)."""
    return owner_digest(request.headers.get(OWNER_HEADER))


def _entry(media_id, owner):
    """Return the row of an item the caller may see; others' private items do not exist for it."""
    row = _library().entry(_checked_id(media_id))
    if row is None or not can_see(row, owner):
        raise Refused("no such item", "not_found", 404)
    return row


def _not_yours(row):
    if row["owner"]:
        return Refused("only the client that made this item may do that", "not_yours", 403)
    return Refused("this item was made without an owner key: only the server's operator deletes "
                   "it (python -m media delete ID)", "not_yours", 403)


@blueprint.post("/api/recordings")
def start_recording():
    """Start recording a shared source."""
    _check_access()
    body, owner = _json_body(), _owner()
    row = _library().record(*_source_and_settings(body), owner=owner)
    return jsonify(entry_json(row, _token(), owner)), 201


@blueprint.post("/api/recordings/<media_id>/stop", merge_slashes=False)
def stop_recording(media_id):
    """Stop a recording (its maker, or anyone for one made without a key); answer the finished entry."""
    _check_access()
    _check_origin()
    owner = _owner()
    row = _entry(media_id, owner)
    if row["kind"] != "recording":
        raise Refused("that item is a snapshot", "not_a_recording", 404)
    if not can_stop(row, owner):
        raise _not_yours(row)
    return jsonify(entry_json(_library().stop(media_id), _token(), owner))


@blueprint.post("/api/snapshots")
def take_snapshot():
    """Save the next processed frame of a shared source."""
    _check_access()
    body, owner = _json_body(), _owner()
    row = _library().snapshot(*_source_and_settings(body), owner=owner)
    return jsonify(entry_json(row, _token(), owner)), 201


@blueprint.get("/api/media")
def list_media():
    """List items newest first: ?source=NAME&kind=recording|snapshot&limit=N&offset=N."""
    _check_access()
    source, kind, owner = request.args.get("source"), request.args.get("kind"), _owner()
    if source is not None and not is_source_name(source):
        raise Refused(f"source must be a source name: {SOURCE_NAME_RULE}", "bad_source_name")
    if kind is not None and kind not in KINDS:
        raise Refused(f"kind is one of {', '.join(KINDS)}", "bad_kind")
    limit = _number("limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    offset = _number("offset", 0, 0, 10**9)
    rows, total = _library().store.query(source, kind, limit, offset, viewer=owner)
    items = [entry_json(_library().entry(row["id"]) or row, _token(), owner) for row in rows]
    return jsonify(items=items, total=total, limit=limit, offset=offset)


def _number(name, default, low, high):
    text = request.args.get(name)
    if text is None:
        return default
    if WHOLE_NUMBER.fullmatch(text) is None or not low <= int(text) <= high:
        raise Refused(f"{name} is a whole number from {low} to {high}", "bad_" + name)
    return int(text)


@blueprint.get("/api/media/<media_id>", merge_slashes=False)
def get_media(media_id):
    """Return one entry."""
    _check_access()
    owner = _owner()
    return jsonify(entry_json(_entry(media_id, owner), _token(), owner))


@blueprint.delete("/api/media/<media_id>", merge_slashes=False)
def delete_media(media_id):
    """Delete an item (its maker only): its row and its files."""
    _check_access()
    _check_origin()
    owner = _owner()
    row = _entry(media_id, owner)
    if not made_by(row, owner):
        raise _not_yours(row)
    _library().delete(media_id)
    return jsonify(deleted=media_id)


@blueprint.get("/media/files/<name>", merge_slashes=False)
def media_file(name):
    """Serve an item's file (ranges too, so a video can seek); ?download=1 saves it."""
    match = FILE_NAME.fullmatch(name)
    role = ROLES.get(match.group(2)) if match else None
    if role is None:
        raise Refused("no such file", "not_found", 404)
    media_id = match.group(1)
    key = request.args.get("key", "")
    keyed = hmac.compare_digest(key.encode(), file_key(_token(), media_id).encode())
    if not keyed:
        _check_access()
    row = _library().store.get(media_id)
    # A private item's file goes only with its entry's key (given to its maker) or the maker's own.
    hidden = row is not None and not keyed and not can_see(row, _owner())
    if row is None or hidden or (role != "thumbnail" and role != row["kind"]):
        raise Refused("no such file", "not_found", 404)
    path = _library().store.path(media_id, role)
    if not path.is_file():
        raise Refused("no such file (a recording's file appears when it stops)", "not_found", 404)
    download = request.args.get("download") == "1"
    return send_file(path, conditional=True, as_attachment=download,
                     download_name=f"{row['source']}-{media_id}{match.group(2)}", max_age=0)


@blueprint.get("/media")
def media_page():
    """Serve the media library page."""
    return render_template("media.html")
