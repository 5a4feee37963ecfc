"""Processed video for any player: `/video/NAME.mjpg` (MJPEG) and `/snapshot/NAME.jpg`.

Each request joins the frame board of its source and settings (streaming/frame_boards.py):
viewers with the same settings share one rendition, so ten cost one pipeline run a frame.
"""

import logging
import select
import socket

from flask import Blueprint, Response, current_app, request

from protocol import ClientError, SettingsError, is_source_name, shown

from ..http_errors import error_response
from ..query_settings import settings_from_query
from ..request_token import may_watch

log = logging.getLogger(__name__)

blueprint = Blueprint("video", __name__)

BOUNDARY = "frame"
SNAPSHOT_WAIT_S = 2.0
# With no new frame for this long the last one is sent again: players stay open through a
# stale camera, and a viewer that has gone away is noticed by the failed write.
REPEAT_AFTER_S = 5.0
# A viewer whose socket takes nothing for this long is let go (its thread is freed).
STALLED_S = 30.0


def _join(name, stream):
    """Return (board, None) for this request, or (None, an error answer)."""
    config = current_app.config["STREAM"]
    if not may_watch(config, current_app.config["ACCESS_TOKEN"], request.environ):
        return None, error_response(ClientError(
            "this server needs its access token: add ?token=TOKEN to the URL or send "
            "Authorization: Bearer TOKEN", code="unauthorized"))
    try:
        settings = settings_from_query(request.args)
    except SettingsError as exc:
        return None, error_response(exc, setting=getattr(exc, "setting", None))
    board = None
    if is_source_name(name):
        try:
            board = current_app.extensions["frame_boards"].join(name, settings, stream=stream)
        except ClientError as exc:
            log.warning("refused a video viewer of %s: %s", name, exc.message)
            # A player hears 503 for any refusal to serve (renditions too): it retries later.
            return None, error_response(exc, status=503)
    if board is None:
        return None, error_response(ClientError(f"no shared source named {shown(name)} (a camera "
                                                f"is private until its owner shares it)",
                                                code="no_source"))
    return board, None


def _part(jpeg):
    return (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            .encode("ascii") + jpeg + b"\r\n")


def frames(board, leave, sock=None):
    """Yield the newest frame each time the viewer's socket takes one; nothing queues."""
    sent = skipped = 0
    jpeg = None
    try:
        while True:
            newest = board.newer(sent, REPEAT_AFTER_S)
            if newest is not None:
                number, jpeg = newest
                skipped += max(0, number - sent - 1) if sent else 0
                sent = number
            elif board.ended is not None:
                return  # the source left or stopped sharing: the stream ends cleanly
            elif jpeg is None and _hung_up(sock):
                return  # no frame to write yet, so a write cannot tell us the viewer left
            if jpeg is not None:
                yield _part(jpeg)
    finally:
        leave()
        log.debug("video viewer of %s left: %d frames sent, %d skipped", board.name, sent, skipped)


def _hung_up(sock):
    """Tell whether the viewer closed its end (its socket reads as ended), without reading data."""
    if sock is None:
        return False
    try:
        # Polled first: the socket has a send timeout, and recv would wait that long for data.
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


@blueprint.get("/video/<name>.mjpg")
def video(name):
    """Stream source `name` as MJPEG, processed with the query's settings."""
    board, error = _join(name, stream=True)
    if error is not None:
        return error
    boards = current_app.extensions["frame_boards"]
    left = []

    def leave():
        # Once, whether the stream ran to its end or never started (a HEAD request, say).
        if not left:
            left.append(True)
            boards.leave(board)

    sock = request.environ.get("gunicorn.socket")
    if sock is not None:
        sock.settimeout(STALLED_S)  # see web/worker.py: a stalled viewer ends quietly
    response = Response(frames(board, leave, sock),
                        mimetype=f"multipart/x-mixed-replace; boundary={BOUNDARY}")
    response.headers["Cache-Control"] = "no-store"
    response.call_on_close(leave)
    return response


@blueprint.get("/snapshot/<name>.jpg")
def snapshot(name):
    """Return the newest processed frame of `name`, waiting up to SNAPSHOT_WAIT_S for one."""
    board, error = _join(name, stream=False)
    if error is not None:
        return error
    boards = current_app.extensions["frame_boards"]
    try:
        jpeg = board.recent(max_age_s=1.0)
        if jpeg is None:
            newest = board.newer(board.frames, SNAPSHOT_WAIT_S)
            jpeg = newest[1] if newest is not None else None
    finally:
        boards.leave(board, stream=False)
    if jpeg is None:
        # 503, not no_frame's 504 (the media API's): to a player the camera is down for now.
        return error_response(ClientError(f"source {name} sent no frame in {SNAPSHOT_WAIT_S:g} s",
                                          code="no_frame"), status=503)
    return Response(jpeg, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})
