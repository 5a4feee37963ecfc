"""The page: camera, settings and the processed stream, in one HTML document."""

from flask import Blueprint, render_template

blueprint = Blueprint("page", __name__)


@blueprint.get("/")
def index():
    """Serve the page."""
    return render_template("index.html")
