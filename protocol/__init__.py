"""The wire protocol, shared by the server and the bridge: payload forms, error codes, names and limits."""

from .error_codes import ERROR_CODES, ErrorCode, error_code
from .errors import ClientError, FrameError, SettingsError, error_body, shown
from .names import (CLAIM_RULE, GONE, LIVE, SOURCE_NAME_RULE, SOURCE_STATES, STALE,
                    UNSHARED, is_claim, is_source_name)
from .payload import BYTES, DATA_URL, FORMS, MAX_FRAME_BYTES, check_payload, image_bytes, in_form

__all__ = [
    "BYTES", "CLAIM_RULE", "DATA_URL", "ERROR_CODES", "FORMS", "GONE", "LIVE", "MAX_FRAME_BYTES",
    "SOURCE_NAME_RULE", "SOURCE_STATES", "STALE", "ClientError", "ErrorCode", "FrameError",
    "SettingsError", "UNSHARED", "check_payload", "error_body", "error_code", "image_bytes",
    "in_form", "is_claim", "is_source_name", "shown",
]
