"""A frame on the wire: a data URL string or raw JPEG/PNG bytes, checked once on the way in."""

import base64
import binascii

from .errors import FrameError

DATA_URL = "data_url"
BYTES = "bytes"
FORMS = (BYTES, DATA_URL)
MAX_FRAME_BYTES = 4 * 1024 * 1024  # the largest image a client may send, in bytes
_BASE64_MARK = ";base64,"
# What a client may send as a frame: a data URL, or the image's bytes.
Payload = str | bytes | bytearray | memoryview


def payload_form(payload: object) -> str:
    """Return the wire form of `payload`, or raise if it is not a frame at all."""
    if isinstance(payload, str):
        return DATA_URL
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return BYTES
    raise FrameError(
        f"a frame must be a data URL string or JPEG/PNG bytes, not {type(payload).__name__}",
        code="wrong_type",
    )


def check_size(payload: Payload, max_bytes: int) -> None:
    """Raise if the payload is empty or over the byte limit (cheap: no decoding)."""
    if len(payload) == 0:
        raise FrameError("the frame is empty", code="empty_frame")
    # A data URL carries 4 characters per 3 bytes; allow for it so both forms share one limit.
    allowed = max_bytes * 4 // 3 + 64 if isinstance(payload, str) else max_bytes
    if len(payload) > allowed:
        raise FrameError(
            f"the frame is {len(payload)} bytes; the limit is {allowed}", code="frame_too_large"
        )


def check_payload(payload: object, max_bytes: int = MAX_FRAME_BYTES) -> str:
    """Check a received frame's type and size once, on the way in; return its wire form."""
    form = payload_form(payload)
    check_size(payload, max_bytes)
    return form


def image_bytes(payload: Payload) -> bytes:
    """Return the image bytes of a checked payload: unwrapped from a data URL, or as they came."""
    if not isinstance(payload, str):
        return bytes(payload)
    if not payload.startswith("data:"):
        raise FrameError("a text frame must be a data URL starting with 'data:image/'",
                         code="bad_data_url")
    mark = payload.find(_BASE64_MARK, 0, 100)
    if mark < 0 or not payload[5:mark].startswith("image/"):
        raise FrameError("the data URL must look like 'data:image/jpeg;base64,...'",
                         code="bad_data_url")
    try:
        return base64.b64decode(payload[mark + len(_BASE64_MARK):], validate=True)
    except (binascii.Error, ValueError):
        raise FrameError("the data URL's base64 is broken", code="bad_base64") from None


def in_form(jpeg: bytes, form: str) -> Payload:
    """Return JPEG bytes in a wire form: unchanged for bytes, wrapped for a data URL."""
    if form == DATA_URL:
        return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return jpeg
