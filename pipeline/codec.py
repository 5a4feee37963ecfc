"""Convert between wire payloads (data URL or raw bytes) and frames."""

import base64
import binascii
import dataclasses

import cv2
import numpy as np

from . import image_header
from .errors import FrameError

DATA_URL = "data_url"
BYTES = "bytes"
_BASE64_MARK = ";base64,"


@dataclasses.dataclass(frozen=True)
class Limits:
    """Caps on what a single frame may be."""

    max_bytes: int = 4 * 1024 * 1024
    max_pixels: int = 3840 * 2160


def payload_form(payload):
    """Return the wire form of `payload`, or raise if it is not a frame at all."""
    if isinstance(payload, str):
        return DATA_URL
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return BYTES
    raise FrameError(
        f"a frame must be a data URL string or JPEG/PNG bytes, not {type(payload).__name__}",
        code="wrong_type",
    )


def check_size(payload, limits):
    """Raise if the payload is empty or over the byte limit (cheap: no decoding)."""
    if len(payload) == 0:
        raise FrameError("the frame is empty", code="empty_frame")
    # A data URL carries 4 characters per 3 bytes; allow for it so both forms share one limit.
    allowed = limits.max_bytes * 4 // 3 + 64 if isinstance(payload, str) else limits.max_bytes
    if len(payload) > allowed:
        raise FrameError(
            f"the frame is {len(payload)} bytes; the limit is {allowed}", code="frame_too_large"
        )


def data_url_bytes(text):
    """Return the image bytes inside a `data:image/...;base64,` URL."""
    if not text.startswith("data:"):
        raise FrameError("a text frame must be a data URL starting with 'data:image/'", code="bad_data_url")
    mark = text.find(_BASE64_MARK, 0, 100)
    if mark < 0 or not text[5:mark].startswith("image/"):
        raise FrameError("the data URL must look like 'data:image/jpeg;base64,...'", code="bad_data_url")
    try:
        return base64.b64decode(text[mark + len(_BASE64_MARK):], validate=True)
    except (binascii.Error, ValueError):
        raise FrameError("the data URL's base64 is broken", code="bad_base64") from None


def decode(payload, limits=Limits()):
    """Decode a data URL or JPEG/PNG bytes into a frame (H x W x 3 uint8 BGR)."""
    form = payload_form(payload)
    check_size(payload, limits)
    data = data_url_bytes(payload) if form == DATA_URL else bytes(payload)
    if not data:
        raise FrameError("the frame is empty", code="empty_frame")
    header = image_header.sniff(data)
    if header is None:
        raise FrameError("the frame is not a JPEG or PNG image", code="not_an_image")
    kind, width, height, complete = header
    if not complete:
        raise FrameError(f"the {kind.upper()} is truncated", code="truncated_image")
    if width * height > limits.max_pixels:
        raise FrameError(
            f"the image is {width}x{height}; the limit is {limits.max_pixels} pixels",
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


def in_form(jpeg, form):
    """Return JPEG bytes in a wire form: unchanged for bytes, wrapped for a data URL."""
    if form == DATA_URL:
        return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return jpeg
