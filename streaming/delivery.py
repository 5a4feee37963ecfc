"""Handing a processed frame to its viewers and taps: the newest frame wins for a slow viewer.

Written once for frames processed here (workers.py) and frames relayed from another
instance (cluster/relay.py): a viewer with frames still unsent is skipped, never queued behind.
"""

from typing import Callable, Iterable

from protocol import in_form

from .client import Client

# More than one frame still unsent to a viewer means it is slow.
MAX_UNSENT_FRAMES = 1


class Delivery:
    """Sends frames to Socket.IO viewers that keep up, in each one's form, and to taps."""

    def __init__(self, emit: Callable[..., object], unsent_frames: Callable[[str], int]):
        self.emit = emit  # Socket.IO's emit(event, data, to=sid)
        self.unsent_frames = unsent_frames  # sid -> frames not yet written to its socket

    def deliver(self, viewers: Iterable[Client], taps: Iterable[object], jpeg: bytes, meta: dict,
                timings: dict) -> None:
        """Send `jpeg` with `meta` to every viewer that keeps up and to every tap (graph.py)."""
        forms = {}
        for viewer in viewers:
            # A slow viewer is skipped rather than queued behind, so it gets the newest frame
            # once it catches up. One frame of slack keeps a busy machine's late writer thread
            # from counting as slow.
            if self.unsent_frames(viewer.sid) > MAX_UNSENT_FRAMES:
                viewer.stats.dropped += 1
                continue
            if viewer.form not in forms:  # encoded once per form, not per viewer
                forms[viewer.form] = in_form(jpeg, viewer.form)
            viewer.stats.frame_delivered(timings)
            viewer.touch()  # watching a live source is activity, though it sends nothing
            self.emit("response_back", (forms[viewer.form], meta), to=viewer.sid)
        for tap in taps:
            tap.deliver(jpeg, meta)
