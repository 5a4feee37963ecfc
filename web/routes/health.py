"""A health check for load balancers, tests and the bench."""

import threading

from flask import Blueprint, current_app, jsonify

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def health():
    """Say that the server runs, with its client and thread counts."""
    hub = current_app.extensions["stream_hub"]
    return jsonify(ok=True, clients=len(hub.clients), threads=threading.active_count())
