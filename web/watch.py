"""Watch from anything: MJPEG and snapshot URLs, the camera wall, and cameras the server pulls itself."""

import logging

from streaming.frame_boards import FrameBoards

from .query_token import hide_query_token
from .routes import video, wall
from .server_cameras import ServerCameras

log = logging.getLogger(__name__)


def register(app, hub, config, sleep=None):
    """Add the video routes and the wall to `app`, and start the server's own cameras."""
    app.wsgi_app = hide_query_token(app.wsgi_app)  # outermost: nothing inside sees ?token=
    app.extensions["frame_boards"] = FrameBoards(hub.attach_tap, config["max_viewers"], sleep,
                                                 on_change=hub.announce_sources)
    for module in (video, wall):
        app.register_blueprint(module.blueprint)
    app.extensions["server_cameras"] = ServerCameras(hub, config["cameras"]).start()


def stop(app):
    """End every video stream and stop the cameras (the server is stopping)."""
    app.extensions["frame_boards"].end_all("the server is stopping")
    app.extensions["server_cameras"].stop()
