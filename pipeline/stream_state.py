"""What the pipeline remembers about one client's stream between frames."""

import dataclasses

import numpy as np

from .faces import FaceTrack
from .rate_meter import RateMeter


@dataclasses.dataclass
class StreamState:
    """Per-client random generator, FPS meter and face track; never shared between clients."""

    rng: np.random.Generator
    fps: RateMeter = dataclasses.field(default_factory=RateMeter)
    faces: FaceTrack = dataclasses.field(default_factory=FaceTrack)

    @classmethod
    def seeded(cls, seed=None):
        """Return a fresh state whose noise comes from its own generator."""
        return cls(rng=np.random.default_rng(seed))

    def adopt(self, other):
        """Take over `other`'s generator, meter and track: the state a child process moved on."""
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(other, field.name))
