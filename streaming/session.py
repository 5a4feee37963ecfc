"""Everything the server keeps for one connected client."""

import dataclasses
import time

from pipeline import Settings, StreamState

from .mailbox import Mailbox
from .stats import StreamStats


@dataclasses.dataclass
class Frame:
    """A frame as received: the raw payload, its sequence number and arrival time."""

    payload: object
    seq: int
    received_at: float = dataclasses.field(default_factory=time.monotonic)


@dataclasses.dataclass
class ClientSession:
    """One client's settings, stream state, mailbox and stats; nothing here is shared."""

    sid: str
    settings: Settings = dataclasses.field(default_factory=Settings)
    state: StreamState = dataclasses.field(default_factory=StreamState.seeded)
    mailbox: Mailbox = dataclasses.field(default_factory=Mailbox)
    stats: StreamStats = dataclasses.field(default_factory=StreamStats)
    closed: bool = False

    def close(self):
        """Forget any waiting frame; a worker that still holds this session will skip it."""
        self.closed = True
        self.mailbox.clear()
