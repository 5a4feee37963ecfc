"""Convert between image bytes (JPEG or PNG in, JPEG out) and frames."""

import cv2
import numpy as np

from protocol import FrameError

from . import image_header

MAX_PIXELS = 3840 * 2160  # the largest image decoded, whatever its byte size


def decode(data, max_pixels=MAX_PIXELS):
    """Decode JPEG or PNG bytes into a frame (H x W x 3 uint8 BGR)."""
    if not data:
        raise FrameError("the frame is empty", code="empty_frame")
    header = image_header.sniff(data)
    if header is None:
        raise FrameError("the frame is not a JPEG or PNG image", code="not_an_image")
    kind, width, height, complete = header
    if not complete:
        raise FrameError(f"the {kind.upper()} is truncated", code="truncated_image")
    if width * height > max_pixels:
        raise FrameError(
            f"the image is {width}x{height}; the limit is {max_pixels} pixels",
            code="too_many_pixels",
        )
    frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if frame is None or frame.size == 0:
        raise FrameError(f"the {kind.upper()} could not be decoded", code="not_an_image")
    return frame


def encode(frame, quality):
    """Encode a frame as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buffer.tobytes()
