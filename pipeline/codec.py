"""Convert between image bytes (JPEG or PNG in, JPEG out) and frames.

The size limit is checked against the size the decoder itself reports from its own
header read, never a separate parser: libjpeg-turbo (through simplejpeg) for JPEG,
Pillow for PNG. Each decodes into a frame of exactly the size it reported, so the
memory a frame takes is bounded by the limit.
"""

import io

import cv2
import numpy as np
import simplejpeg
from PIL import Image

from protocol import FrameError

from .frame import Frame

MAX_PIXELS = 3840 * 2160  # the largest image decoded, whatever its byte size
# Every scan starts with FF DA, which entropy-coded data can never contain (an FF there is
# followed by 00 or a restart marker), so this count can only be too high, never too low.
# A real progressive JPEG has about 10 scans; thousands of tiny ones would each walk the image.
MAX_SCANS = 100
JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MESSAGE_CHARS = 120  # decoder messages are passed on, cut to this length


def decode(data: bytes, max_pixels: int = MAX_PIXELS) -> Frame:
    """Decode JPEG or PNG bytes into a frame (H x W x 3 uint8 BGR)."""
    if not data:
        raise FrameError("the frame is empty", code="empty_frame")
    if data.startswith(JPEG_SOI):
        return _decode_jpeg(data, max_pixels)
    if data.startswith(PNG_SIGNATURE):
        return _decode_png(data, max_pixels)
    raise FrameError("the frame is not a JPEG or PNG image", code="not_an_image")


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    """Raise unless a `width` x `height` image is within the pixel limit."""
    if width * height > max_pixels:
        raise FrameError(f"the image is {width}x{height}; the limit is {max_pixels} pixels",
                         code="too_many_pixels")


def _decode_jpeg(data: bytes, max_pixels: int) -> Frame:
    if data.count(b"\xff\xda") > MAX_SCANS:
        raise FrameError(f"the JPEG has more than {MAX_SCANS} scans", code="not_an_image")
    try:
        # Not strict: this is the size libjpeg goes on to decode even past recoverable damage.
        height, width, _, _ = simplejpeg.decode_jpeg_header(data, strict=False)
    except (ValueError, KeyError) as exc:  # KeyError: a header libjpeg reads no colour space in
        raise _jpeg_error(exc) from None
    check_pixels(width, height, max_pixels)
    frame = np.empty((height, width, 3), np.uint8)
    try:
        # Strict: damaged data (extra bytes, a cut-off file) is refused, not painted grey. The
        # decoder writes into `frame` and fails rather than outgrow it.
        simplejpeg.decode_jpeg(data, colorspace="BGR", buffer=frame, strict=True)
    except (ValueError, KeyError) as exc:
        raise _jpeg_error(exc) from None
    return frame


def _jpeg_error(exc: Exception) -> FrameError:
    message = str(exc)[:MESSAGE_CHARS]
    if "Premature end" in message:
        return FrameError("the JPEG is truncated", code="truncated_image")
    return FrameError(f"the JPEG could not be decoded: {message}", code="not_an_image")


def _decode_png(data: bytes, max_pixels: int) -> Frame:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            check_pixels(*image.size, max_pixels)
            # Pillow inflates only as many rows as IHDR declares, however large the IDAT is.
            rgb = np.asarray(image.convert("RGB"))
    except Image.DecompressionBombError:
        raise FrameError(f"the PNG is larger than {max_pixels} pixels", code="too_many_pixels") from None
    except (OSError, SyntaxError, ValueError) as exc:
        message = str(exc)[:MESSAGE_CHARS]
        if "truncated" in message:
            raise FrameError("the PNG is truncated", code="truncated_image") from None
        raise FrameError(f"the PNG could not be decoded: {message}", code="not_an_image") from None
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def encode(frame: Frame, quality: int) -> bytes:
    """Encode a frame as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buffer.tobytes()
