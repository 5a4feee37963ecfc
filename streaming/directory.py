"""Where sources and names live beyond this instance's own graph: nowhere, or across the cluster.

The hub is given one Directory when it is built and asks it, never "is there a cluster?":
`LocalDirectory` is one instance alone (every name is held here, no source is elsewhere);
`streaming.cluster.Cluster` holds names in Redis and reaches other instances' sources.
"""

from typing import TYPE_CHECKING, Protocol

from pipeline import Settings

from .client import Client
from .graph import SourceGraph
from .tap import Tap, TapHandle

if TYPE_CHECKING:
    from .hub import StreamHub


class Directory(Protocol):
    """What the hub asks about names and sources that are not only its own."""

    name_prefix: str  # generated names start with it; unique cluster-wide

    def start(self, hub: "StreamHub") -> None:
        """Start serving `hub`, reading and changing it through its public API only."""

    def stop(self) -> None:
        """Stop, letting the others know at once."""

    def take_name(self, name: str, sid: str, claim: str | None = None) -> None:
        """Hold `name` for `sid` wherever else names are held; raise ClientError `source_taken`."""

    def release_name(self, name: str, sid: str) -> None:
        """Let go of a name `take_name` took for `sid`."""

    def lists(self, name: object) -> bool:
        """Tell whether `name` is a live shared source elsewhere."""

    def watch(self, client: Client, name: str) -> None:
        """Make `client` a viewer of `name`, a source elsewhere (see lists)."""

    def unwatch(self, client: Client) -> None:
        """Take `client` off any source elsewhere."""

    def watching(self, sid: str) -> str | None:
        """Return the source elsewhere that `sid` watches, or None."""

    def attach(self, name: str, settings: Settings, tap: Tap) -> object | None:
        """Feed `tap` the frames of `name` from elsewhere; what feeds it, or None if none lists it."""

    def detach(self, tap: Tap, feed: object) -> None:
        """Stop feeding a tap that `attach` fed."""

    def left(self, client: Client) -> None:
        """Forget a client that disconnected: what it watched elsewhere and the name it held."""

    def merged(self, entries: list[dict]) -> list[dict]:
        """Return list entries of this instance's sources with those elsewhere added."""


class LocalDirectory:
    """One instance alone: every name is held here and no source is anywhere else."""

    name_prefix = "camera"

    def start(self, hub: "StreamHub") -> None:
        """Nothing to start."""

    def stop(self) -> None:
        """Nothing to stop."""

    def take_name(self, name: str, sid: str, claim: str | None = None) -> None:
        """Nothing to hold: the hub's own registry is the only one."""

    def release_name(self, name: str, sid: str) -> None:
        """Nothing to let go."""

    def lists(self, name: object) -> bool:
        """No source is elsewhere."""
        return False

    def watch(self, client: Client, name: str) -> None:
        """Never asked: no source is elsewhere."""

    def unwatch(self, client: Client) -> None:
        """Nothing is watched elsewhere."""

    def watching(self, sid: str) -> str | None:
        """Nothing is watched elsewhere."""
        return None

    def attach(self, name: str, settings: Settings, tap: Tap) -> object | None:
        """No source is elsewhere to feed a tap."""
        return None

    def detach(self, tap: Tap, feed: object) -> None:
        """Never asked: nothing was attached."""

    def left(self, client: Client) -> None:
        """Nothing to forget elsewhere."""

    def merged(self, entries: list[dict]) -> list[dict]:
        """Return `entries`: this instance's are all there are."""
        return entries


def attach_tap(graph: SourceGraph, directory: Directory, name: str, settings: Settings, tap: Tap,
               sid: str | None = None) -> TapHandle | None:
    """Feed `tap` the frames of `name`, here or elsewhere; a TapHandle, or None.

    None when no instance has the source, or it is private to someone other than `sid`
    (another instance only ever offers shared sources). Raise ClientError
    `too_many_renditions` when the source here has no room for `settings`.
    """
    rendition = graph.attach(name, settings, tap, sid)
    if rendition is not None:
        return TapHandle(graph.detach, tap, rendition)
    feed = directory.attach(name, settings, tap)
    return TapHandle(directory.detach, tap, feed) if feed is not None else None
