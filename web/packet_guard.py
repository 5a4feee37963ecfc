"""Caps on what one Socket.IO event may carry, and a quiet log for malformed packets.

python-socketio trusts a binary event's declared attachment count and buffers every
message after it until that many have come, so one packet declaring billions makes
the server hold whatever the client sends next. Engine.IO caps each message
(`max_http_buffer_size`), not an event's parts together. The guard sits in front of
python-socketio's message handler: it counts what an event declares and carries,
closes a connection that goes over, and turns a malformed packet into one log line
per connection a minute instead of a traceback each.
"""

import logging

from streaming.log_gate import LogGate

from .library_patches import drop_partial_event, in_partial_event, wrap_engineio_handler
from .transport import close_session

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 4  # our events carry at most one (a frame as bytes)
# What a malformed packet can raise on its way through python-socketio's decoder and dispatch;
# JSON nested a few thousand deep raises RecursionError from the decoder.
MALFORMED = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


def declared_attachments(data):
    """Return how many attachments a text packet declares ('51-[...]' declares 1), else 0."""
    if not isinstance(data, str) or data[:1] not in ("5", "6"):
        return 0
    dash = data.find("-", 1, 32)
    digits = data[1:dash] if dash > 0 else ""
    return int(digits) if digits.isdigit() else 0


def guard_packets(socketio, max_event_bytes, max_attachments=MAX_ATTACHMENTS):
    """Wrap `socketio`'s message handler with the caps and the quiet log."""
    eio = socketio.server.eio
    carried = {}  # Engine.IO sid -> bytes of the event being received
    gates = {}  # Engine.IO sid -> LogGate for its malformed packets

    def refuse(eio_sid, reason):
        log.warning("closing connection %s: %s", eio_sid, reason)
        drop_partial_event(socketio, eio_sid)
        carried.pop(eio_sid, None)
        gates.pop(eio_sid, None)
        close_session(eio, eio_sid)  # not eio.disconnect: it waits on a polling client

    def handle_guarded(handle, eio_sid, data):
        in_event = in_partial_event(socketio, eio_sid)
        size = carried.get(eio_sid, 0) * in_event + len(data)
        if size > max_event_bytes:
            return refuse(eio_sid, f"an event of more than {max_event_bytes} bytes")
        if not in_event and declared_attachments(data) > max_attachments:
            return refuse(eio_sid, f"an event declaring {declared_attachments(data)} attachments "
                                   f"(at most {max_attachments})")
        carried[eio_sid] = size
        try:
            handle(eio_sid, data)
        except MALFORMED as exc:
            drop_partial_event(socketio, eio_sid)  # a half-read event must not swallow the next
            held = gates.setdefault(eio_sid, LogGate()).allow("malformed")
            if held is not None:
                log.warning("connection %s: malformed packet: %s: %.100s%s", eio_sid,
                            type(exc).__name__, exc, f" ({held} more since)" if held else "")
            log.debug("the malformed packet's failure in full", exc_info=True)

    def forget(disconnected, eio_sid, *args, **kwargs):
        carried.pop(eio_sid, None)
        gates.pop(eio_sid, None)
        return disconnected(eio_sid, *args, **kwargs)

    wrap_engineio_handler(socketio, "message", handle_guarded)
    wrap_engineio_handler(socketio, "disconnect", forget)
