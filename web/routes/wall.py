"""The camera wall: every shared source in a grid, live, with its state and who watches it."""

import time

from flask import Blueprint, current_app, jsonify, render_template, request

from protocol import ClientError

from ..http_errors import error_response
from ..request_token import may_watch

blueprint = Blueprint("wall", __name__)


@blueprint.get("/cameras")
def wall():
    """Serve the wall page (it asks for the list itself, with the token)."""
    return render_template("cameras.html")


@blueprint.get("/cameras.json")
def cameras():
    """List every shared source, with the fields of the `sources` event."""
    if not may_watch(current_app.config["STREAM"], current_app.config["ACCESS_TOKEN"],
                     request.environ):
        return error_response(ClientError("this server needs its access token: send "
                                          "Authorization: Bearer TOKEN", code="unauthorized"))
    # Unlike the `sources` event, a shared source that has sent no frame yet is listed too:
    # a --camera that is down belongs on the wall, saying so.
    # In a cluster the other instances' live shared sources are listed too (hub.merged).
    now = time.monotonic()
    hub = current_app.extensions["stream_hub"]
    here = [source.describe(now) for source in list(hub.sources.values()) if source.shared]
    return jsonify(sources=hub.merged(here))
