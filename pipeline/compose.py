"""Run the stages in order on one frame: decode, stages, view, encode."""

import dataclasses
import time

import cv2

from . import codec
from .registry import build_stages
from .stamp import draw_label

PANEL_MAX_WIDTH = 320  # each panel of the "stages" view is shrunk to this width


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """What the pipeline needs to build its stages once."""

    landmark_model: str
    device: str = None
    detect_width: int = 320
    redetect_every: int = 10
    workers: int = 2  # threads that may run the pipeline at once
    max_pixels: int = codec.MAX_PIXELS


@dataclasses.dataclass
class Result:
    """A JPEG-encoded frame, how long each step took in milliseconds, and the input's size."""

    jpeg: bytes
    timings: dict
    pixels: int = 0  # of the decoded input: what the frame cost the server, roughly


def side_by_side(panels):
    """Return labelled panels joined left to right, each at most PANEL_MAX_WIDTH wide."""
    scaled = []
    for label, frame in panels:
        scale = min(1.0, PANEL_MAX_WIDTH / frame.shape[1])
        if scale < 1.0:
            size = (PANEL_MAX_WIDTH, max(1, round(frame.shape[0] * scale)))  # never 0 rows
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        scaled.append(draw_label(frame, label, origin=(4, frame.shape[0] - 24)))
    return cv2.hconcat(scaled)


class Pipeline:
    """The stages from the registry, built once and shared by all clients."""

    def __init__(self, config):
        self.config = config
        self.stages = build_stages(config)

    def run(self, frame, settings, state, timings):
        """Apply every enabled stage to `frame`, recording ms per stage in `timings`."""
        panels = [("original", frame)]
        for stage in self.stages:
            if getattr(settings, stage.name):
                started = time.perf_counter()
                frame = stage(frame, settings, state)
                timings[stage.name] = (time.perf_counter() - started) * 1000
            if stage.panel:
                panels.append((stage.panel, frame))
        if settings.view == "stages":
            return side_by_side(panels + [("final", frame)])
        return frame

    def process(self, image, settings, state):
        """Decode JPEG or PNG bytes, run the stages and encode as JPEG."""
        started = time.perf_counter()
        frame = codec.decode(image, self.config.max_pixels)
        pixels = frame.shape[0] * frame.shape[1]
        timings = {"decode": (time.perf_counter() - started) * 1000}
        frame = self.run(frame, settings, state, timings)
        encode_started = time.perf_counter()
        out = codec.encode(frame, settings.jpeg_quality)
        timings["encode"] = (time.perf_counter() - encode_started) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        return Result(out, timings, pixels)

    def close(self):
        """Release nothing: in-process stages hold no processes or files (see PipelineProcesses)."""

    def __repr__(self):
        return f"Pipeline({', '.join(map(repr, self.stages))})"
