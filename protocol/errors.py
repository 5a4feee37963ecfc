"""Errors a client can cause, each with a stable wire code that goes back to it."""

SHOWN_CHARS = 40  # how much of a client's value an error message (and so the log) repeats


def shown(value, chars=SHOWN_CHARS):
    """Return `value`'s repr cut to `chars` characters, for messages and log lines."""
    text = repr(value)
    return text if len(text) <= chars else f"{text[:chars]}...({len(text)} chars)"


class ClientError(Exception):
    """A problem with what one client sent; the server answers it and carries on."""

    code = "bad_request"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __reduce__(self):
        # Keep the code when the error crosses a process boundary (pickle passes only args).
        return type(self), (self.message, self.code)

    def as_event(self):
        """Return the payload of the Socket.IO `error` event."""
        return {"code": self.code, "message": self.message}


class FrameError(ClientError):
    """A frame that cannot be decoded or is not allowed."""

    code = "bad_frame"


class SettingsError(ClientError):
    """A settings update with an unknown key or a bad value."""

    code = "bad_settings"
