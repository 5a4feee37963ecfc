"""The page: camera, settings and the processed stream, in one HTML document; and its web app manifest."""

from flask import Blueprint, current_app, render_template, send_from_directory

blueprint = Blueprint("page", __name__)


@blueprint.get("/")
def index():
    """Serve the page."""
    return render_template("index.html")


@blueprint.get("/manifest.webmanifest")
def manifest():
    """Serve the manifest from the site's root, so "Add to Home Screen" opens the whole site."""
    return send_from_directory(current_app.static_folder, "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=3600)
