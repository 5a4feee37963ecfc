"""The normalised mean filter, done with torch.nn.functional.conv2d."""

import cv2

from pipeline.stage import Flag, Integer, Stage

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

    def setup(self, config):
        # torch is imported where frames are filtered: the serving process reads this file
        # only for its settings, and never loads torch.
        import torch

        from pipeline.mean_filter import BAND_PIXELS, mean_filter

        self.filter = mean_filter
        self.device = torch.device(config.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        # Bands only pay off on the CPU; a GPU takes the frame whole in one transfer.
        self.band_pixels = BAND_PIXELS if self.device.type == "cpu" else None

    def process(self, frame, params, state):
        if params.grayscale:
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            smoothed = self.filter(gray, params.size, self.device, self.band_pixels)
            return cv2.cvtColor(smoothed, cv2.COLOR_GRAY2BGR)
        if params.size == 1:
            return frame
        return self.filter(frame, params.size, self.device, self.band_pixels)

    def __repr__(self):
        return f"MeanFilter(device='{self.device}')"
