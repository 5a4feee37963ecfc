"""GET /api/stages: every stage and its settings, from which the page draws its controls."""

from flask import Blueprint, current_app, jsonify, request

from pipeline import current
from protocol import ClientError

from ..access import UNAUTHORIZED
from ..http_errors import error_response
from ..request_token import may_watch

blueprint = Blueprint("stages", __name__)


@blueprint.get("/api/stages")
def stages():
    """Describe the stages in running order, with each setting's key, type, range and default."""
    # The token gate (token_gate.py) refuses first; this stays true if a route moves outside it.
    if not may_watch(current_app.config["STREAM"], current_app.config["ACCESS_TOKEN"],
                     request.environ):
        return error_response(ClientError(UNAUTHORIZED, code="unauthorized"))
    return jsonify(current().describe())
