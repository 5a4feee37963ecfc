"""The FPS stamp."""

from pipeline.rate_meter import RateMeter
from pipeline.stage import Stage
from pipeline.stamp import draw_label


class FpsStamp(Stage):
    """Write this stream's frames per second, a moving average, in the corner."""

    name = "stamp"
    label = "FPS stamp"
    enabled = True

    def start(self, state):
        state.fps = RateMeter()

    def process(self, frame, params, state):
        return draw_label(frame, f"FPS: {state.fps.tick():.1f}")
