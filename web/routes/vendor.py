"""The Socket.IO browser client, served from node_modules: the page never loads from a CDN."""

import logging

from flask import Blueprint, abort, send_from_directory

from . import ROOT

log = logging.getLogger(__name__)

SOCKETIO_CLIENT_DIR = ROOT / "node_modules" / "socket.io-client" / "dist"
SOCKETIO_CLIENT_FILE = "socket.io.min.js"

blueprint = Blueprint("vendor", __name__)


@blueprint.record_once
def _check_installed(_state):
    if not (SOCKETIO_CLIENT_DIR / SOCKETIO_CLIENT_FILE).is_file():
        log.warning("the page needs the Socket.IO client from npm: run `npm ci` in %s", ROOT)


@blueprint.get("/vendor/socket.io.min.js")
def socketio_client():
    """Serve the Socket.IO client, or say how to install it."""
    if not (SOCKETIO_CLIENT_DIR / SOCKETIO_CLIENT_FILE).is_file():
        abort(404, "Socket.IO client missing: run `npm ci`")
    return send_from_directory(SOCKETIO_CLIENT_DIR, SOCKETIO_CLIENT_FILE)
