"""Run the stages in order on one frame: decode, stages, view, encode."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence

import cv2
import numpy as np

from . import codec
from .catalogue import load_catalogue, use
from .config import PipelineConfig
from .frame import Frame, is_frame
from .settings import Settings
from .stage import Stage
from .stamp import draw_label
from .stream_state import StreamState

log = logging.getLogger(__name__)

PANEL_MAX_WIDTH = 320  # each panel of the "stages" view is shrunk to this width
FAILURE_LOG_S = 60.0  # a stage that keeps failing is logged once a minute, with a count


@dataclasses.dataclass
class Result:
    """A JPEG-encoded frame, ms per step, the input's size, and what stages reported about it."""

    jpeg: bytes
    timings: dict[str, float]  # ms per step: "decode", each stage's name, "encode", "total"
    pixels: int = 0  # of the decoded input: what the frame cost the server, roughly
    # JSON values for the frame's meta, by name, from the stages that return any.
    info: dict[str, object] = dataclasses.field(default_factory=dict)


class StageFailed(RuntimeError):
    """A stage raised, or returned something that is not a frame; only this frame is lost."""


def side_by_side(panels: Sequence[tuple[str, Frame]]) -> Frame:
    """Return labelled panels joined left to right, each at most PANEL_MAX_WIDTH wide."""
    scaled = []
    for label, frame in panels:
        scale = min(1.0, PANEL_MAX_WIDTH / frame.shape[1])
        if scale < 1.0:
            size = (PANEL_MAX_WIDTH, max(1, round(frame.shape[0] * scale)))  # never 0 rows
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        scaled.append(draw_label(frame, label, origin=(4, frame.shape[0] - 24)))
    return cv2.hconcat(scaled)


def _as_frame(out: object, like: Frame) -> Frame:
    """Return a stage's output as a frame like its input, or raise saying what is wrong with it."""
    if is_frame(out) and out.shape == like.shape:
        return out
    if isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == like.shape:
        return np.ascontiguousarray(out)  # a view or a flipped array is fine once copied
    got = f"{out.dtype} {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__
    raise TypeError(f"returned {got}; a stage returns its input's shape {like.shape} as uint8")


class Pipeline:
    """The stages of the catalogue, built once and shared by all clients of this process."""

    def __init__(self, config: PipelineConfig):
        self.config = config
        self.catalogue = load_catalogue(config)
        use(self.catalogue)
        self.stages: list[Stage] = [cls() for cls in self.catalogue.stages
                                    if cls.name not in self.catalogue.unavailable]
        for stage in self.stages:
            stage.setup(config)
        # stage name -> (last logged at, failures since)
        self._failures: dict[str, tuple[float | None, int]] = {}

    def run(self, frame: Frame, settings: Settings, state: StreamState, timings: dict[str, float],
            info: dict[str, object] | None = None) -> Frame:
        """Apply every enabled stage to `frame`, recording ms per stage in `timings`."""
        original = frame
        panels = [("original", frame)]
        for stage in self.stages:
            if getattr(settings, stage.name):
                started = time.perf_counter()
                frame = self._apply(stage, frame, original, settings, state, info)
                timings[stage.name] = (time.perf_counter() - started) * 1000
            if stage.panel:
                panels.append((stage.panel, frame))
        if settings.view == "stages":
            return side_by_side(panels + [("final", frame)])
        return frame

    def _apply(self, stage: Stage, frame: Frame, original: Frame, settings: Settings,
               state: StreamState, info: dict[str, object] | None) -> Frame:
        try:
            stage_state = state.of(stage)
            stage_state.original = original
            try:
                out = stage.process(frame, stage.params(settings), stage_state)
            finally:
                stage_state.original = None  # a stream's last frame is not held between frames
            if isinstance(out, tuple):
                out, extra = out
                if info is not None:
                    info.update(extra)
            return _as_frame(out, frame)
        except Exception as exc:  # a stage's bug costs this frame only
            self._log_failure(stage, exc)
            raise StageFailed(f"stage '{stage.name}' failed: {type(exc).__name__}") from exc

    def _log_failure(self, stage: Stage, exc: Exception) -> None:
        now = time.monotonic()
        logged_at, since = self._failures.get(stage.name, (None, 0))
        if logged_at is not None and now - logged_at < FAILURE_LOG_S:
            self._failures[stage.name] = (logged_at, since + 1)
            return
        self._failures[stage.name] = (now, 0)
        more = f" ({since} more failures since the last line)" if since else ""
        log.error("stage '%s' failed on a frame: %s: %.200s%s", stage.name, type(exc).__name__,
                  exc, more)
        log.debug("the failure in full", exc_info=exc)

    def process(self, image: bytes, settings: Settings, state: StreamState) -> Result:
        """Decode JPEG or PNG bytes, run the stages and encode as JPEG."""
        started = time.perf_counter()
        frame = codec.decode(image, self.config.max_pixels)
        pixels = frame.shape[0] * frame.shape[1]
        timings = {"decode": (time.perf_counter() - started) * 1000}
        info: dict[str, object] = {}
        frame = self.run(frame, settings, state, timings, info)
        encode_started = time.perf_counter()
        out = codec.encode(frame, settings.jpeg_quality)
        timings["encode"] = (time.perf_counter() - encode_started) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return Result(out, timings, pixels, info)

    def problem(self) -> str | None:
        """Return why frames cannot be processed now, or None: in-process, they always can."""
        return None

    def lane_for(self, state: StreamState) -> int:
        """Return which worker queue serves this stream: one queue for the whole process."""
        return 0

    def close(self) -> None:
        """Release nothing: in-process stages hold no processes or files (see PipelineProcesses)."""

    def __repr__(self) -> str:
        return f"Pipeline({', '.join(map(repr, self.stages))})"
