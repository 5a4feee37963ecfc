"""Watch from anything: the frame boards behind the video URLs, and the server's own cameras."""

import logging

from streaming.frame_boards import FrameBoards

from .server_cameras import ServerCameras

log = logging.getLogger(__name__)


def start(app, hub, config: dict, sleep=None) -> None:
    """Build the frame boards the video routes read, and start the server's own cameras."""
    app.extensions["frame_boards"] = FrameBoards(hub.attach_tap, config["max_viewers"], sleep,
                                                 on_change=hub.announce_sources)
    app.extensions["server_cameras"] = ServerCameras(hub, config["cameras"],
                                                     app.config["ACCESS_TOKEN"]).start()


def stop(app) -> None:
    """End every video stream and stop the cameras (the server is stopping)."""
    app.extensions["frame_boards"].end_all("the server is stopping")
    app.extensions["server_cameras"].stop()
