"""Errors a client can cause, each with a registered wire code (error_codes.py) that goes back to it."""

from .error_codes import error_code

SHOWN_CHARS = 40  # how much of a client's value an error message (and so the log) repeats


def shown(value: object, chars: int = SHOWN_CHARS) -> str:
    """Return `value`'s repr cut to `chars` characters, for messages and log lines."""
    text = repr(value)
    return text if len(text) <= chars else f"{text[:chars]}...({len(text)} chars)"


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    """Return an error's wire form `{code, message, ...}`: the `error` event; `error` in acks and HTTP."""
    return {"code": error_code(code).name, "message": message, **extra}


class ClientError(Exception):
    """A problem with what one client sent; the server answers it and carries on.

    `status` is the HTTP status of its code (protocol/error_codes.py) unless the caller gives one.
    """

    code = "bad_request"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        error_code(cls.code)  # a subclass with an unregistered code fails at import

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status if status is not None else error_code(self.code).status

    def __reduce__(self):
        # Keep the code when the error crosses a process boundary (pickle passes only args).
        return type(self), (self.message, self.code, self.status)

    def as_event(self, **extra) -> dict:
        """Return the payload of the Socket.IO `error` event (and of `error` in acks and HTTP)."""
        return error_body(self.code, self.message, **extra)


class FrameError(ClientError):
    """A frame that cannot be decoded or is not allowed."""

    code = "bad_frame"


class SettingsError(ClientError):
    """A settings update with an unknown key or a bad value."""

    code = "bad_settings"
