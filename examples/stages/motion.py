"""Paint what moved since the last frame: a stage that remembers, in one file."""
import cv2

from pipeline.stage import Colour, Integer, Stage


class Motion(Stage):
    """Paint the pixels that changed since the previous frame."""

    name = "motion"
    threshold = Integer(1, 100, default=25, label="Sensitivity (lower finds more)")
    colour = Colour("#00ff00", label="Paint")

    def start(self, state):
        state.previous = None  # this rendition's last frame, in grey

    def process(self, frame, params, state):
        gray = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        previous, state.previous = state.previous, gray
        if previous is None or previous.shape != gray.shape:
            return frame
        moved = cv2.absdiff(gray, previous) > params.threshold
        out = frame.copy()
        out[moved] = params.colour.bgr
        return out, {"moved": round(float(moved.mean()), 4)}
