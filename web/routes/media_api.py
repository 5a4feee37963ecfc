"""The media JSON API, the files it points to and the /media page (README, Recording and media).

Access follows the server's rule: every call needs the token (web/request_token.py reads it,
`Authorization: Bearer TOKEN` or `?token=`); a file URL from an entry carries its own key instead,
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
from protocol import SOURCE_NAME_RULE, ClientError, is_source_name

from ..access import origin_checker
from ..http_errors import error_response
from ..media import entry_json, file_key
from ..request_token import may_watch

blueprint = Blueprint("media", __name__)
PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
WHOLE_NUMBER = re.compile(r"[0-9]{1,10}")  # ASCII digits only: int() also reads '²'-like digits
OWNER_HEADER = "X-Owner-Key"
ROLES = {".mp4": "recording", ".jpg": "snapshot", ".thumb.jpg": "thumbnail"}


@blueprint.errorhandler(ClientError)  # MediaError, and a SettingsError from the body's settings
def _refused(exc):
    return error_response(exc)


def _library():
    return current_app.extensions["media_library"]


def _token():
    return current_app.config["ACCESS_TOKEN"]


def _check_access():
    """Refuse a caller without the token where the token is needed."""
    if not may_watch(current_app.config["STREAM"], _token(), request.environ):
        raise MediaError("this server needs its access token: Authorization: Bearer TOKEN",
                         "unauthorized")


def _check_origin():
    """Refuse a change requested from another site's page (scripts send no Origin)."""
    allowed = origin_checker(current_app.config["STREAM"]["allowed_origins"])
    if not allowed(request.headers.get("Origin"), request.environ):
        raise MediaError("requests from other sites are refused", "bad_origin")


def _json_body():
    """Return the JSON object a POST carries."""
    _check_origin()
    body = request.get_json(silent=True) if request.is_json else None
    if not isinstance(body, dict):
        raise MediaError("send a JSON object with Content-Type: application/json", "bad_request")
    return body


def _source_and_settings(body):
    source = body.get("source")
    if not is_source_name(source):
        raise MediaError(f"source must be a source name: {SOURCE_NAME_RULE}", "bad_source_name")
    return source, Settings().updated(body.get("settings") or {})  # SettingsError: a 400


def _checked_id(media_id):
    if not is_id(media_id):
        raise MediaError("an id is 16 hex digits", "bad_id")
    return media_id


def _owner():
    """Return the owner digest of the caller's `X-Owner-Key` (none: the empty digest)."""
    return owner_digest(request.headers.get(OWNER_HEADER))


def _entry(media_id, owner):
    """Return the row of an item the caller may see; others' private items do not exist for it."""
    row = _library().entry(_checked_id(media_id))
    if row is None or not can_see(row, owner):
        raise MediaError("no such item", "not_found")
    return row


def _not_yours(row):
    if row["owner"]:
        return MediaError("only the client that made this item may do that", "not_yours")
    return MediaError("this item was made without an owner key: only the server's operator "
                      "deletes it (python -m media delete ID)", "not_yours")


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
        raise MediaError("that item is a snapshot", "not_a_recording")
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
        raise MediaError(f"source must be a source name: {SOURCE_NAME_RULE}", "bad_source_name")
    if kind is not None and kind not in KINDS:
        raise MediaError(f"kind is one of {', '.join(KINDS)}", "bad_kind")
    limit = _number("limit", PAGE_SIZE, 1, MAX_PAGE_SIZE, code="bad_limit")
    offset = _number("offset", 0, 0, 10**9, code="bad_offset")
    rows, total = _library().store.query(source, kind, limit, offset, viewer=owner)
    items = [entry_json(_library().entry(row["id"]) or row, _token(), owner) for row in rows]
    return jsonify(items=items, total=total, limit=limit, offset=offset)


def _number(name, default, low, high, code):
    text = request.args.get(name)
    if text is None:
        return default
    if WHOLE_NUMBER.fullmatch(text) is None or not low <= int(text) <= high:
        raise MediaError(f"{name} is a whole number from {low} to {high}", code)
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
        raise MediaError("no such file", "not_found")
    media_id = match.group(1)
    key = request.args.get("key", "")
    keyed = hmac.compare_digest(key.encode(), file_key(_token(), media_id).encode())
    if not keyed:
        _check_access()
    row = _library().store.get(media_id)
    # A private item's file goes only with its entry's key (given to its maker) or the maker's own.
    hidden = row is not None and not keyed and not can_see(row, _owner())
    if row is None or hidden or (role != "thumbnail" and role != row["kind"]):
        raise MediaError("no such file", "not_found")
    path = _library().store.path(media_id, role)
    if not path.is_file():
        raise MediaError("no such file (a recording's file appears when it stops)", "not_found")
    download = request.args.get("download") == "1"
    return send_file(path, conditional=True, as_attachment=download,
                     download_name=f"{row['source']}-{media_id}{match.group(2)}", max_age=0)


@blueprint.get("/media")
def media_page():
    """Serve the media library page."""
    return render_template("media.html")
