"""Watch from anything: MJPEG and snapshot URLs, the camera wall, and cameras the server pulls itself."""

import logging

from streaming.frame_boards import FrameBoards

from .access import gatekeeper
from .query_token import hide_query_token, scrub_server_logs
from .routes import video, wall
from .server_cameras import ServerCameras
from .token_gate import token_gate

log = logging.getLogger(__name__)


def register(app, hub, config, sleep=None):
    """Add the video routes and the wall to `app`, and start the server's own cameras."""
    # The token gate guards every HTTP route (README, Security); it sits here, outside the
    # Host check, so that it sees the ?token= that hide_query_token, outermost, takes out.
    app.wsgi_app = token_gate(app.wsgi_app, gatekeeper(app))
    app.wsgi_app = hide_query_token(app.wsgi_app)  # outermost: nothing inside sees ?token=
    scrub_server_logs()
    app.extensions["frame_boards"] = FrameBoards(hub.attach_tap, config["max_viewers"], sleep,
                                                 on_change=hub.announce_sources)
    for module in (video, wall):
        app.register_blueprint(module.blueprint)
    app.extensions["server_cameras"] = ServerCameras(hub, config["cameras"],
                                                     app.config["ACCESS_TOKEN"]).start()


def stop(app):
    """End every video stream and stop the cameras (the server is stopping)."""
    app.extensions["frame_boards"].end_all("the server is stopping")
    app.extensions["server_cameras"].stop()
