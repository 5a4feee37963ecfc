"""The wire protocol, shared by the server and the bridge: payload forms, error codes, names and limits."""

from .errors import ClientError, FrameError, SettingsError, shown
from .names import (CLAIM_RULE, GONE, LIVE, SOURCE_NAME_RULE, SOURCE_STATES, STALE,
                    UNSHARED, is_claim, is_source_name)
from .payload import BYTES, DATA_URL, FORMS, MAX_FRAME_BYTES, check_payload, image_bytes, in_form

__all__ = [
    "BYTES", "CLAIM_RULE", "DATA_URL", "FORMS", "GONE", "LIVE", "MAX_FRAME_BYTES", "SOURCE_NAME_RULE",
    "SOURCE_STATES", "STALE", "ClientError", "FrameError", "SettingsError",
    "UNSHARED", "check_payload", "image_bytes", "in_form", "is_claim", "is_source_name", "shown",
]
