"""The FPS stamp."""

from pipeline.rate_meter import RateMeter
from pipeline.stage import Frame, Params, Stage, StageState
from pipeline.stamp import draw_label


class FpsStamp(Stage):
    """Write this stream's frames per second, a moving average, in the corner."""

    name = "stamp"
    label = "FPS stamp"
    enabled = True

    def start(self, state: StageState) -> None:
        state.fps = RateMeter()

    def process(self, frame: Frame, params: Params, state: StageState) -> Frame:
        state.fps.tick()
        # A rate needs two frames; until then the stamp says so rather than "0.0".
        rate = state.fps.rate() if state.fps.count() >= 2 else None
        return draw_label(frame, "FPS: --" if rate is None else f"FPS: {rate:.1f}")
