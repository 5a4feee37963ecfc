"""Several instances behind a proxy: Flask-SocketIO's message queue, and the hub's cluster.

Flask-SocketIO's queue makes an emit from any instance reach a client on any other. The
server's own emits go to clients of this instance, so they skip the queue
(web/library_patches.py, send_events_whole): a frame would otherwise cross Redis twice (as
base64) on its way to a socket in this very process, and a Redis outage would cut off local
clients. Frames between instances travel on the cluster's own channels instead
(streaming/cluster), where the newest frame wins.
"""

import logging

from streaming.cluster import Cluster
from streaming.directory import Directory, LocalDirectory

from .library_patches import quiet_queue_logs
from .socketio_glue import unsent_events

# python-socketio's queue logs every retry while Redis is down; the cluster logs one line.
QUEUE_LOGGER = "camera.socketio_queue"


def queue_options(config):
    """Return the SocketIO arguments for the message queue; none without one."""
    if not config["message_queue"]:
        return {}
    return {"message_queue": config["message_queue"], "channel": "camera-socketio"}


def directory_for(socketio, runtime, config) -> Directory:
    """Return where the hub's sources and names live: here alone, or across the queue's Redis."""
    if not config["message_queue"]:
        return LocalDirectory()
    logging.getLogger(QUEUE_LOGGER).setLevel(logging.CRITICAL)
    quiet_queue_logs(socketio, logging.getLogger(QUEUE_LOGGER))
    return Cluster(config["message_queue"], config["port"], runtime, socketio.emit,
                   unsent_events(socketio, "response_back"), config["name_grace"])
