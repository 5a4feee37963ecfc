"""Where viewers of a remote source go when its stream ends: to it here, or back to their own."""


def place_viewers(hub, name, viewers, state, message):
    """Put `viewers` of remote source `name`, whose stream ended, where they belong now.

    If its publisher has just reconnected to this instance (its old instance saw the name go
    and ended the stream), they watch it here without a break. Otherwise they are told, as on
    one instance, and go back to their own sources.
    """
    with hub.graph.lock:
        here = hub.graph.visible_to(name)
        if here is not None:
            for viewer in viewers:
                if viewer.sid in hub.clients:
                    hub.graph.watch(viewer, here)
            return
    for viewer in viewers:
        hub.emit("source_status", {"source": name, "state": state, "message": message},
                 to=viewer.sid)
        with hub.graph.lock:
            own = hub.sources.get(viewer.source_name)
            if own is not None and viewer.sid in hub.clients:
                hub.graph.watch(viewer, own)
