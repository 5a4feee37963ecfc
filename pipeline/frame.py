"""The one frame type that flows between decode and encode.

A frame is an H x W x 3 ``uint8`` NumPy array in BGR order, C-contiguous, as
OpenCV produces it. Every stage takes such a frame and returns such a frame
(possibly the same object when it changes nothing); a stage that needs
grayscale, RGB or float tensors converts on entry and back on exit.
"""

from typing import TypeGuard

import numpy as np

CHANNELS = 3

Frame = np.ndarray  # H x W x 3 uint8 BGR, C-contiguous: what every stage takes and returns
Gray = np.ndarray  # H x W uint8: a frame converted to grey, as face finding reads it


def is_frame(value: object) -> TypeGuard[Frame]:
    """Tell whether `value` honours the frame contract."""
    return (
        isinstance(value, np.ndarray)
        and value.dtype == np.uint8
        and value.ndim == 3
        and value.shape[2] == CHANNELS
        and value.flags.c_contiguous
    )
