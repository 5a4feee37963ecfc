"""Where the lip colour landed in a processed frame, judged against the lips a reference finds."""

import cv2
import numpy as np

from harness.lip_reference import reference

PAINTED_GAIN = 25   # a pixel this much redder (R - (G + B) / 2) than before was painted
NEAR_LIPS_PX = 4    # the painted edge is feathered: this close to the lips still counts as on them


def _redness(frame):
    pixels = frame.astype(np.float32)
    return pixels[:, :, 2] - (pixels[:, :, 0] + pixels[:, :, 1]) / 2


def paint_on_lips(sent, shown):
    """Return (lips in view, paint on the lips, paint elsewhere) for one sent and processed frame."""
    truth = reference(sent)
    painted = (_redness(shown) - _redness(sent)) > PAINTED_GAIN
    near = cv2.dilate(truth.lips.astype(np.uint8), np.ones((2 * NEAR_LIPS_PX + 1,) * 2, np.uint8)) > 0
    on_lips = painted[truth.lips].mean() if truth.lips.any() else 0.0
    return bool(truth.lips.any()), float(on_lips), int((painted & ~near).sum())
