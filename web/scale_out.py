"""Several instances behind a proxy: Flask-SocketIO's message queue, and the hub's cluster.

Flask-SocketIO's queue makes an emit from any instance reach a client on any other. The
server's own emits go to clients of this instance, so they skip the queue: a frame would
otherwise cross Redis twice (as base64) on its way to a socket in this very process, and
a Redis outage would cut off local clients. Frames between instances travel on the
cluster's own channels instead (streaming/cluster), where the newest frame wins.
"""

import logging

from streaming.cluster import Cluster
from streaming.directory import Directory, LocalDirectory

from .socketio_glue import unsent_events

# python-socketio's queue logs every retry while Redis is down; the cluster logs one line.
QUEUE_LOGGER = "camera.socketio_queue"


def queue_options(config):
    """Return the SocketIO arguments for the message queue; none without one."""
    if not config["message_queue"]:
        return {}
    return {"message_queue": config["message_queue"], "channel": "camera-socketio"}


def emits_stay_here(socketio):
    """Send emits for this instance's clients (and broadcasts of its list) straight to them."""
    manager = socketio.server.manager
    logging.getLogger(QUEUE_LOGGER).setLevel(logging.CRITICAL)
    manager.logger = logging.getLogger(QUEUE_LOGGER)
    emit = manager.emit

    def emit_here(event, data, namespace=None, room=None, skip_sid=None, callback=None,
                  to=None, **kwargs):
        target = to or room
        if target is None or manager.is_connected(target, namespace or "/"):
            kwargs["ignore_queue"] = True
        return emit(event, data, namespace=namespace, room=target, skip_sid=skip_sid,
                    callback=callback, **kwargs)

    manager.emit = emit_here


def directory_for(socketio, runtime, config) -> Directory:
    """Return where the hub's sources and names live: here alone, or across the queue's Redis."""
    if not config["message_queue"]:
        return LocalDirectory()
    emits_stay_here(socketio)
    return Cluster(config["message_queue"], config["port"], runtime, socketio.emit,
                   unsent_events(socketio, "response_back"), config["name_grace"])
