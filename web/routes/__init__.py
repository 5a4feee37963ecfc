"""HTTP routes, one small blueprint a module: the page, the vendored Socket.IO client, health."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]  # where templates/, static/ and node_modules/ are


def register(app):
    """Add every blueprint to `app`."""
    from . import health, media_api, page, stages, vendor

    for module in (page, vendor, health, media_api, stages):
        app.register_blueprint(module.blueprint)
