"""What the server keeps for one connected client: a viewer, and usually a source too."""

import dataclasses
import time
from typing import TYPE_CHECKING

from pipeline import Settings
from protocol import BYTES, MAX_FRAME_BYTES

from .client_stats import ClientStats
from .log_gate import LogGate
from .rate_limit import TokenBucket, bytes_cost, frame_cost

if TYPE_CHECKING:
    from .source import Rendition


@dataclasses.dataclass(frozen=True)
class ClientLimits:
    """What clients may do: how many connect, how fast and how much they send, how long they idle."""

    max_clients: int = 32
    max_fps: float = 30.0
    idle_timeout: float = 300.0
    max_frame_bytes: int = MAX_FRAME_BYTES
    max_renditions: int = 8  # ways one source may be processed at once (graph.py)


@dataclasses.dataclass
class Upload:
    """One payload a source sent, with its sequence number; shared by the source's renditions."""

    payload: bytes | str  # a checked frame: JPEG/PNG bytes or a data URL
    seq: int
    received_at: float = dataclasses.field(default_factory=time.monotonic)
    error_reported: bool = False  # a bad frame is reported to its sender once, not per rendition
    bucket: TokenBucket | None = None  # the sender's, charged once for what the frame cost
    charged: bool = False

    def charge_received(self) -> None:
        """Charge the sender for the bytes received (one token was taken when it came in)."""
        if self.bucket is not None:
            self.bucket.charge(bytes_cost(len(self.payload)) - 1)

    def charge(self, pixels: int) -> None:
        """Charge the sender for decoding `pixels` pixels beyond what its bytes already cost, once."""
        if self.bucket is not None and not self.charged:
            self.charged = True
            self.bucket.charge(max(0.0, frame_cost(pixels) - bytes_cost(len(self.payload))))


@dataclasses.dataclass
class Client:
    """One connection: its settings, the source it publishes as, and where it is watching."""

    sid: str
    source_name: str
    settings: Settings = dataclasses.field(default_factory=Settings)
    form: str = BYTES  # the wire form this client gets frames back in
    stats: ClientStats = dataclasses.field(default_factory=ClientStats)
    rendition: "Rendition | None" = None  # what it watches here (None: elsewhere, or nothing)
    bucket: TokenBucket | None = None  # caps its frame rate
    settings_bucket: TokenBucket | None = None  # caps its settings changes
    last_active: float = dataclasses.field(default_factory=time.monotonic)
    log_gate: LogGate = dataclasses.field(default_factory=LogGate)

    def touch(self) -> None:
        """Note that the client did something, for the idle timeout."""
        self.last_active = time.monotonic()
