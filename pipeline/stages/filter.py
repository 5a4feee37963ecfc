"""The normalised mean filter, done with torch.nn.functional.conv2d."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import cv2

from pipeline.config import PipelineConfig
from pipeline.stage import Flag, Frame, Integer, Params, Stage, StageState

if TYPE_CHECKING:  # for annotations only: torch is imported in setup (see there)
    import numpy as np
    import torch

KERNEL_SIZES = range(1, 16, 2)


class MeanFilter(Stage):
    """Smooth with a normalised mean kernel (torch conv2d), in colour or in grey."""

    name = "filter"
    label = "Mean filter"
    enabled = True
    panel = "filtered"
    size = Integer(KERNEL_SIZES.start, KERNEL_SIZES[-1], default=3, step=KERNEL_SIZES.step,
                   label="Filter size", unit="px", key="kernel_size")
    grayscale = Flag(False, label="Grayscale", key="grayscale")
    # Set in setup: pipeline.mean_filter.mean_filter, where it runs, and its band size.
    filter: Callable[[np.ndarray, int, torch.device, int | None], np.ndarray]
    device: torch.device
    band_pixels: int | None

    def setup(self, config: PipelineConfig) -> None:
        # torch is imported where frames are filtered: the serving process reads this file
        # only for its settings, and never loads torch.
        import torch

        from pipeline.mean_filter import BAND_PIXELS, mean_filter

        self.filter = mean_filter
        self.device = torch.device(config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # Bands only pay off on the CPU; a GPU takes the frame whole in one transfer.
        self.band_pixels = BAND_PIXELS if self.device.type == "cpu" else None

    def process(self, frame: Frame, params: Params, state: StageState) -> Frame:
        if params.grayscale:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            smoothed = self.filter(gray, params.size, self.device, self.band_pixels)
            return cv2.cvtColor(smoothed, cv2.COLOR_GRAY2BGR)
        if params.size == 1:
            return frame
        return self.filter(frame, params.size, self.device, self.band_pixels)

    def __repr__(self) -> str:
        return f"MeanFilter(device='{self.device}')"
