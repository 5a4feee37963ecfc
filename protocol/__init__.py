"""The wire protocol, shared by the server and the bridge: payload forms, error codes, names and limits."""

from .errors import ClientError, FrameError, SettingsError, shown
from .names import GONE, LIVE, SOURCE_NAME_RULE, SOURCE_STATES, STAGES, STALE, is_source_name
from .payload import BYTES, DATA_URL, FORMS, MAX_FRAME_BYTES, check_payload, image_bytes, in_form

__all__ = [
    "BYTES", "DATA_URL", "FORMS", "GONE", "LIVE", "MAX_FRAME_BYTES", "SOURCE_NAME_RULE",
    "SOURCE_STATES", "STAGES", "STALE", "ClientError", "FrameError", "SettingsError",
    "check_payload", "image_bytes", "in_form", "is_source_name", "shown",
]
