"""Telling a client what was wrong with its input: an `error` event, an ack, one log line a minute."""

import logging
from typing import Callable

from protocol import ClientError

from .client import Client

log = logging.getLogger(__name__)


def reject(emit: Callable[..., object], client: Client, exc: ClientError,
           seq: int | None = None) -> dict:
    """Tell `client` what was wrong (naming frame `seq`, if any), log it, and return the ack.

    The log gets one line per client and error code a minute, so a client repeating
    a bad input cannot fill the disk.
    """
    client.stats.errors += 1
    held = client.log_gate.allow(exc.code)
    if held is not None:
        log.warning("client %s: %s: %.200s%s", client.sid, exc.code, exc.message,
                    f" ({held} more since the last line)" if held else "")
    event = exc.as_event()
    if seq is not None:
        event["seq"] = seq
    emit("error", event, to=client.sid)
    return {"error": event}
