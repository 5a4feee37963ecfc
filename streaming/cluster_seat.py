"""The hub's seat in a cluster: names held cluster-wide, the merged list, and taps wherever a source is.

Without a cluster (one instance) every method here falls back to the hub's own graph, so
the hub, the server's cameras, the video routes and the media library keep one code path.
"""


class TapHandle:
    """One attached tap, fed by a rendition here or a view of another instance's source."""

    def __init__(self, detach, tap, feed):
        self._detach = detach
        self.tap = tap
        self.feed = feed  # the rendition (graph.py) or the remote view (cluster/relay.py)

    def detach(self):
        """Stop feeding the tap."""
        self._detach(self.tap, self.feed)


class ClusterSeat:
    """A mixin for the hub: what changes when instances share sources (README, Scaling out)."""

    cluster = None  # set by join_cluster
    name_prefix = "camera"

    def join_cluster(self, cluster):
        """Share this hub's sources, names and viewers with other instances through `cluster`."""
        self.cluster = cluster
        self.name_prefix = f"camera-{cluster.instance.rsplit(':', 1)[-1]}"  # unique cluster-wide

    def take_cluster_name(self, name, sid, claim=None):
        """Hold `name` across the cluster (no-op alone); raise ClientError `source_taken`."""
        if self.cluster is not None:
            self.cluster.names.take(name, sid, claim)

    def release_cluster_name(self, name, sid):
        """Let go of a name `take_cluster_name` took for `sid`."""
        if self.cluster is not None:
            self.cluster.names.release(name, sid)

    def attach_tap(self, name, settings, tap, sid=None):
        """Feed `tap` the frames of `name`, here or on another instance; a TapHandle, or None.

        None when no instance has the source, or it is private to someone other than `sid`
        (another instance only ever offers shared sources).
        """
        rendition = self.graph.attach(name, settings, tap, sid)
        if rendition is not None:
            return TapHandle(self.graph.detach, tap, rendition)
        view = self.cluster.attach(name, settings, tap) if self.cluster is not None else None
        return TapHandle(self.cluster.detach, tap, view) if view is not None else None

    def merged(self, entries):
        """Return list entries of this instance's sources with the other instances' added."""
        return entries if self.cluster is None else self.cluster.merged(entries)

    def _free_name(self):
        """Return a generated source name no publisher holds (the prefix is the instance's)."""
        while True:
            name = f"{self.name_prefix}-{next(self._names)}"
            if name not in self.sources and name not in self.names:
                return name

    def _cluster_left(self, client):
        if self.cluster is not None:
            self.cluster.left(client)  # talks to Redis, so outside the hub's lock

    def _rewatch_remote(self, client):
        """Give a viewer of another instance's source its new settings; False if it has none."""
        name = self.cluster.watching(client.sid) if self.cluster is not None else None
        if name is not None:
            self.cluster.watch(client, name)
        return name is not None

    def _start_cluster(self):
        if self.cluster is not None:
            self.cluster.start()

    def _stop_cluster(self):
        if self.cluster is not None:
            self.cluster.stop()
