"""What the instances keep in Redis: key names, timings, and the frame messages' wire form."""

import hashlib
import json
import socket
import secrets
from urllib.parse import urlsplit, urlunsplit

from pipeline import Settings

PREFIX = "camera:"
HEARTBEAT_S = 1.0      # how often an instance rewrites its record and refreshes its names
INSTANCE_TTL_S = 5.0   # a silent instance's record (and so its sources) expires after this
NAME_TTL_S = 10.0      # a held name outlives its instance this long, unless its claim retakes it
SUBSCRIPTION_TTL_S = 6.0  # a viewer instance's request for frames lapses unless refreshed

FRAME, END = b"F", b"E"  # first byte of a message on a frames channel
POKE_CHANNEL = f"{PREFIX}poke"  # "requests for frames changed": instances beat at once
MIN_BEAT_S = 0.2  # however often they are poked


def instance_id(port: int) -> str:
    """Return a name for this instance, unique in the cluster: host, port and a random tag."""
    return f"{socket.gethostname()}:{port}:{secrets.token_hex(3)}"


def instance_key(instance: str) -> str:
    return f"{PREFIX}instance:{instance}"


def name_key(name: str) -> str:
    return f"{PREFIX}name:{name}"


def subscriptions_key(name: str) -> str:
    return f"{PREFIX}subs:{name}"


def settings_text(settings: Settings) -> str:
    """Return one canonical JSON text for a Settings, the same on every instance."""
    return json.dumps(settings.as_dict(), sort_keys=True, separators=(",", ":"))


def frames_channel(name: str, text: str) -> str:
    """Return the pub/sub channel carrying source `name` processed with settings `text`."""
    return f"{PREFIX}frames:{name}:{hashlib.sha1(text.encode()).hexdigest()[:16]}"


def frame_message(jpeg: bytes, meta: dict) -> bytes:
    """Encode one processed frame: 'F', its meta as JSON, a newline, the JPEG."""
    return FRAME + json.dumps(meta, separators=(",", ":")).encode() + b"\n" + jpeg


def end_message(state: str, message: str) -> bytes:
    """Encode the end of a stream (the source left or stopped sharing)."""
    return END + json.dumps({"state": state, "message": message}).encode()


def read_message(data: bytes) -> tuple[str, object, object] | None:
    """Return ('frame', jpeg, meta) or ('end', state, message); None for anything else."""
    if data[:1] == FRAME and b"\n" in data:
        head, jpeg = data[1:].split(b"\n", 1)
        return "frame", jpeg, json.loads(head)
    if data[:1] == END:
        body = json.loads(data[1:])
        return "end", body.get("state"), body.get("message", "")
    return None


def shown_url(url: str) -> str:
    """Return a Redis URL fit for a log line: any password left out."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
