"""The one frame type that flows between decode and encode.

A frame is an H x W x 3 ``uint8`` NumPy array in BGR order, C-contiguous, as
OpenCV produces it. Every stage takes such a frame and returns such a frame
(possibly the same object when it changes nothing); a stage that needs
grayscale, RGB or float tensors converts on entry and back on exit.
"""

import numpy as np

CHANNELS = 3


def is_frame(value):
    """Tell whether `value` honours the frame contract."""
    return (
        isinstance(value, np.ndarray)
        and value.dtype == np.uint8
        and value.ndim == 3
        and value.shape[2] == CHANNELS
        and value.flags.c_contiguous
    )
