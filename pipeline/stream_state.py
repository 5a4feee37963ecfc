"""What the pipeline remembers about one rendition's stream between frames: each stage's state."""

from __future__ import annotations

import itertools

import numpy as np

from .stage import Stage, StageState

_keys = itertools.count(1)


class StreamState:
    """Each stage's own state for one rendition, made on its first frame; never shared.

    In a pipeline process the states live there, and the server keeps only this object's
    `key` and `lane` (see streaming/pipeline_processes.py), so nothing crosses per frame.
    """

    def __init__(self, seed: int | None = None):
        self.key: int = next(_keys)
        self.lane: int | None = None  # the pipeline process this stream's frames go to, once chosen
        self._seeds = np.random.SeedSequence(seed)
        self._stages: dict[str, StageState] = {}  # by stage name

    @classmethod
    def seeded(cls, seed: int | None = None) -> StreamState:
        """Return a fresh state whose random numbers come from `seed` (None: fresh entropy)."""
        return cls(seed)

    def of(self, stage: Stage) -> StageState:
        """Return `stage`'s state for this stream, made on first use."""
        state = self._stages.get(stage.name)
        if state is None:
            rng = np.random.default_rng(self._seeds.spawn(1)[0])
            state = self._stages[stage.name] = stage.new_state(rng)
        return state
