"""What the server keeps for one connected client: a viewer, and usually a source too."""

import dataclasses
import time

from pipeline import Settings
from protocol import BYTES, MAX_FRAME_BYTES

from .client_stats import ClientStats


@dataclasses.dataclass(frozen=True)
class ClientLimits:
    """What clients may do: how many connect, how fast and how much they send, how long they idle."""

    max_clients: int = 32
    max_fps: float = 30.0
    idle_timeout: float = 300.0
    max_frame_bytes: int = MAX_FRAME_BYTES


@dataclasses.dataclass
class Upload:
    """One payload a source sent, with its sequence number; shared by the source's renditions."""

    payload: object
    seq: int
    received_at: float = dataclasses.field(default_factory=time.monotonic)
    error_reported: bool = False  # a bad frame is reported to its sender once, not per rendition


@dataclasses.dataclass
class Client:
    """One connection: its settings, the source it publishes as, and where it is watching."""

    sid: str
    source_name: str
    settings: Settings = dataclasses.field(default_factory=Settings)
    form: str = BYTES  # the wire form this client gets frames back in
    stats: ClientStats = dataclasses.field(default_factory=ClientStats)
    rendition: object = None  # the Rendition it currently watches
    bucket: object = None  # TokenBucket capping its frame rate
    last_active: float = dataclasses.field(default_factory=time.monotonic)

    def touch(self):
        """Note that the client did something, for the idle timeout."""
        self.last_active = time.monotonic()
