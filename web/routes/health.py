"""A health check for load balancers, tests and the bench."""

import threading

from flask import Blueprint, current_app, jsonify, request

from ..request_token import may_watch

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def health():
    """Say whether the server can process frames (503 and why, if not); counts to token holders."""
    hub = current_app.extensions["stream_hub"]
    problem = hub.pipeline.problem()
    if problem is not None:
        return jsonify(ok=False, reason=problem), 503
    if not may_watch(current_app.config["STREAM"], current_app.config["ACCESS_TOKEN"],
                     request.environ):
        return jsonify(ok=True)
    return jsonify(ok=True, clients=len(hub.clients), threads=threading.active_count())
