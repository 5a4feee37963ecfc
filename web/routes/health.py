"""A health check for load balancers, tests and the bench."""

import threading

from flask import Blueprint, current_app, jsonify, request

from ..access import needs_token, token_matches
from ..query_token import given_token

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def health():
    """Say whether the server can process frames (503 and why, if not); counts to token holders."""
    hub = current_app.extensions["stream_hub"]
    problem = hub.pipeline.problem()
    if problem is not None:
        return jsonify(ok=False, reason=problem), 503
    if needs_token(current_app.config["STREAM"], request.environ) and not has_token():
        return jsonify(ok=True)
    return jsonify(ok=True, clients=len(hub.clients), threads=threading.active_count())


def has_token():
    """Tell whether the request carries the access token (Authorization: Bearer, or ?token=)."""
    return token_matches(current_app.config["ACCESS_TOKEN"],
                         {"token": given_token(request.environ)})
