"""GET /api/stages: every stage and its settings, from which the page draws its controls."""

from flask import Blueprint, current_app, jsonify, request

from pipeline import current

from ..access import needs_token
from .health import has_token

blueprint = Blueprint("stages", __name__)


@blueprint.get("/api/stages")
def stages():
    """Describe the stages in running order, with each setting's key, type, range and default."""
    if needs_token(current_app.config["STREAM"], request.environ) and not has_token():
        return jsonify(error={"code": "unauthorized", "message": "this server needs its access "
                                                                  "token: Authorization: Bearer TOKEN"}), 401
    return jsonify(current().describe())
