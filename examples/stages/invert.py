"""Invert the colours: a whole stage in one file."""
import numpy as np

from pipeline.stage import Number, Stage


class Invert(Stage):
    """Invert the colours."""

    name = "invert"
    after = "filter"
    strength = Number(0.0, 1.0, default=1.0, label="Strength")

    def process(self, frame, params, state):
        inverted = 255 - frame
        mixed = frame * (1.0 - params.strength) + inverted * params.strength
        return mixed.astype(np.uint8)
