"""Every error code on the wire, listed once: its HTTP status and what it means.

The same code goes in a Socket.IO `error` event, an ack's `error` and an HTTP body's `error`
(protocol/errors.py builds them all). A code missing here cannot be raised: ClientError refuses it.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class ErrorCode:
    """One error code: its name on the wire, its HTTP status, and one line on what it means."""

    name: str
    status: int
    meaning: str


_CODES = (
    # A frame (event `image`): checked on the way in, then decoded.
    ErrorCode("bad_frame", 400, "a frame that cannot be decoded or is not allowed"),
    ErrorCode("wrong_type", 400, "a frame that is neither a data URL string nor bytes"),
    ErrorCode("empty_frame", 400, "a frame with no bytes"),
    ErrorCode("frame_too_large", 413, "a frame over the byte limit"),
    ErrorCode("bad_data_url", 400, "a text frame that is not a 'data:image/...;base64,' URL"),
    ErrorCode("bad_base64", 400, "a data URL whose base64 is broken"),
    ErrorCode("not_an_image", 400, "a frame that is not a JPEG or PNG the decoder reads"),
    ErrorCode("truncated_image", 400, "a JPEG or PNG cut short"),
    ErrorCode("too_many_pixels", 413, "an image over the pixel limit"),
    ErrorCode("rate_limited", 429, "frames or settings changes faster than a client may send"),
    ErrorCode("internal_error", 500, "the server failed on this frame or connection; try again"),
    ErrorCode("frame_timeout", 504, "the frame's pipeline process hung and was replaced"),
    # Settings (event `settings`, and a player's or the media API's query).
    ErrorCode("bad_settings", 400, "a settings update with a bad value, or a stage that cannot run"),
    ErrorCode("unknown_setting", 400, "a settings key that no stage declares"),
    # Connecting (refusals of the Socket.IO connect, and of HTTP without the token).
    ErrorCode("unauthorized", 401, "the access token is missing or wrong"),
    ErrorCode("too_many_tries", 429, "too many wrong tokens from one address; retry_after says when"),
    ErrorCode("server_busy", 503, "the server has as many clients as it takes"),
    ErrorCode("bad_source_name", 400, "a source name that breaks the source-name rule"),
    ErrorCode("bad_claim", 400, "a name claim that is not 16-256 characters"),
    ErrorCode("source_taken", 409, "the source name is held by another publisher (or moved on)"),
    ErrorCode("not_connected", 400, "an event from a connection the server does not know"),
    ErrorCode("idle_timeout", 408, "nothing sent or watched for too long: the connection is closed"),
    ErrorCode("server_stopping", 503, "the server is shutting down; reconnect in a moment"),
    # Sources and viewers (events `watch`, `share`, `source_status`; players; the media API).
    ErrorCode("no_source", 404, "no live shared source has that name (private ones look the same)"),
    ErrorCode("bad_watch", 400, "a watch request with a form other than 'bytes' or 'data_url'"),
    ErrorCode("bad_share", 400, "a share request that is not {'shared': bool}, or nothing to share"),
    ErrorCode("bad_status", 400, "a source status that is not {'state': 'live'|'stale', 'message'}"),
    ErrorCode("too_many_renditions", 429,
              "the source is processed with as many settings as it may be (a player hears 503)"),
    ErrorCode("too_many_viewers", 503, "as many video streams or snapshots as the server serves"),
    ErrorCode("no_frame", 504, "no frame came from the source in time (a player's snapshot: 503)"),
    # Recording and media (events `record`, `snapshot`; the media API).
    ErrorCode("bad_request", 400, "a request that is not what the API takes (a POST not JSON, say)"),
    ErrorCode("bad_origin", 403, "a change asked for by another site's page"),
    ErrorCode("bad_id", 400, "a media id that is not 16 hex digits"),
    ErrorCode("bad_kind", 400, "a media kind other than recording or snapshot"),
    ErrorCode("bad_limit", 400, "a page size that is not a whole number in range"),
    ErrorCode("bad_offset", 400, "a page offset that is not a whole number in range"),
    ErrorCode("bad_owner_key", 400, "an owner key that is not 16-128 letters, digits, '-' or '_'"),
    ErrorCode("bad_record", 400, "a record request whose action is not start, stop or status"),
    ErrorCode("not_found", 404, "no such media item or file (or one the caller may not see)"),
    ErrorCode("not_yours", 403, "only the item's maker (or the operator) may do that"),
    ErrorCode("not_a_recording", 404, "a recording's action asked of a snapshot"),
    ErrorCode("nothing_shown", 400, "the page shows no source to record or snapshot"),
    ErrorCode("owner_key_needed", 400, "recording a private camera needs the page's owner key"),
    ErrorCode("recording_already", 409, "this page is recording already"),
    ErrorCode("snapshot_pending", 409, "this page has a snapshot on its way already"),
    ErrorCode("too_many_recordings", 429, "as many recordings run as may at once"),
    ErrorCode("too_many_snapshots", 429, "as many snapshots wait for their frame as may at once"),
    ErrorCode("quota_full", 507, "the disk quota for media is used up"),
    ErrorCode("disk_full", 507, "the disk is full"),
)

ERROR_CODES: dict[str, ErrorCode] = {code.name: code for code in _CODES}
if len(ERROR_CODES) != len(_CODES):  # a second entry would silently replace the first
    raise ValueError("an error code is listed twice in protocol/error_codes.py")


def error_code(name: str) -> ErrorCode:
    """Return the registered code `name`; ValueError if there is none (a typo fails at once)."""
    try:
        return ERROR_CODES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown error code {name!r}: add it to protocol/error_codes.py") from None
