"""An error as an HTTP answer: its code's status and the body every error has (protocol/errors.py)."""

from flask import Response, jsonify

from protocol import ClientError


def error_response(exc: ClientError, status: int | None = None, **extra) -> tuple[Response, int]:
    """Return `{"error": {code, message, ...}}` for `exc`, with its code's status unless `status`."""
    return jsonify(error=exc.as_event(**extra)), status if status is not None else exc.status
