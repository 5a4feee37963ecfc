"""Per-client telemetry: frames in and out, drops and milliseconds per stage."""

import collections

from pipeline.rate_meter import RateMeter

TIMING_WINDOW = 30  # recent frames averaged for the per-stage milliseconds


class ClientStats:
    """Counters and meters for one client, written by its handler and by workers."""

    def __init__(self):
        self.received = 0
        self.processed = 0
        self.errors = 0
        self.dropped = 0  # frames of the watched source this client never got
        self.fps_in = RateMeter()
        self.fps_out = RateMeter()
        self._timings = collections.deque(maxlen=TIMING_WINDOW)

    def frame_received(self) -> int:
        """Count a frame that came in from the network, refused or not; return its sequence number."""
        self.received += 1
        self.fps_in.tick()
        return self.received

    def frame_delivered(self, timings: dict[str, float]) -> None:
        """Record one frame sent to this client and how long each step took."""
        self.processed += 1
        self.fps_out.tick()
        self._timings.append(timings)

    def snapshot(self) -> dict:
        """Return the `stats` event payload."""
        recent = list(self._timings)
        keys = {key for timings in recent for key in timings}
        ms = {key: round(sum(t.get(key, 0.0) for t in recent) / len(recent), 2) for key in keys}
        return {
            "fps_in": round(self.fps_in.rate(), 2),
            "fps_out": round(self.fps_out.rate(), 2),
            "received": self.received,
            "processed": self.processed,
            "dropped": self.dropped,
            "errors": self.errors,
            "total_ms": ms.pop("total", 0.0),
            "stage_ms": ms,
        }
