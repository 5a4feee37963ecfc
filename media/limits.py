"""What the library refuses, and the limits it enforces."""

import dataclasses

from protocol import ClientError


class MediaError(ClientError):
    """A request the library refuses: a ClientError whose HTTP status is its code's."""


@dataclasses.dataclass(frozen=True)
class MediaLimits:
    """How long, how many and how much."""

    max_recording_s: float = 600.0
    quota_mb: float = 2048.0
    max_recordings: int = 4
    snapshot_wait_s: float = 5.0
    max_snapshots: int = 4  # waiting for their frame at once, each holding a thread

    @property
    def quota_bytes(self):
        """Return the quota in bytes (0: none)."""
        return int(self.quota_mb * 2**20)
