"""The public stage API: subclass Stage in one file, declare settings, write `process`.

    class Invert(Stage):
        \"\"\"Invert the colours.\"\"\"          # the page shows this as the stage's hint
        name = "invert"                      # also the setting that switches it on and off
        after = "filter"                     # where it runs; without it, just before the stamp
        strength = Number(0.0, 1.0, default=1.0, label="Strength")   # setting "invert_strength"

        def process(self, frame, params, state):
            ...                              # frame: H x W x 3 uint8 BGR; return one like it

`params` has one attribute per declared setting (`params.strength`); `state` is this stage's
memory for one rendition (one source with one set of settings), kept between frames, with
its own random generator as `state.rng` and the frame as decoded, before any stage, as
`state.original` (read it, never write it). `process` may return `(frame, info)`, where `info`
is a dict of JSON values added to the frame's meta (the second argument of `response_back`).
"""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .frame import Frame
from .stage_settings import MISSING, Choice, Colour, Flag, HexColour, Integer, Number, Setting, Text

if TYPE_CHECKING:  # for annotations only: settings imports the catalogue, which imports this
    from .config import PipelineConfig
    from .settings import Settings

__all__ = ["Choice", "Colour", "Flag", "Frame", "HexColour", "Integer", "Number", "Params",
           "Setting", "Stage", "StageOutput", "StageState", "Text"]

Params = types.SimpleNamespace  # one attribute per declared setting, holding its checked value
# What `process` returns: the frame, or the frame and a dict of JSON values for the frame's meta.
StageOutput = Frame | tuple[Frame, dict[str, object]]


class StageState(types.SimpleNamespace):
    """One stage's memory for one rendition: `rng`, `original`, and what the stage keeps on it."""

    rng: np.random.Generator
    original: Frame | None  # this frame as decoded, before any stage; set before each process()


class Stage:
    """Base class of every processing stage, built-in or added with `--stages`."""

    name: str | None = None  # required: the loader refuses a stage without one
    after: str | None = None  # the stage this one runs after; None: just before the stamp
    enabled: bool = False  # whether it runs before a client switches it (added stages are off)
    label: str | None = None  # the switch's label on the page; the name, capitalised, by default
    panel: str | None = None  # label of its panel in the "stages" view; None: it has no panel
    settings: ClassVar[tuple[Setting, ...]]  # every declared setting, set when the class is made

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        declared = {}
        for klass in reversed(cls.__mro__):
            declared.update((k, v) for k, v in vars(klass).items() if isinstance(v, Setting))
        cls.settings = tuple(declared.values())  # in declaration order, inherited ones first

    @classmethod
    def key_of(cls, setting: Setting) -> str:
        """Return the settings key of one of this stage's settings: `name_attribute` by default."""
        return setting.key or f"{cls.name}_{setting.attribute}"

    @classmethod
    def unavailable(cls, config: PipelineConfig) -> str | None:
        """Return why this stage cannot run with `config` (a PipelineConfig), or None if it can."""
        return None

    @classmethod
    def check(cls, config: PipelineConfig) -> None:
        """Raise ValueError, one line, if `config` cannot work; run once at start-up."""

    @classmethod
    def description(cls) -> str:
        """Return the stage's hint: the first paragraph of its docstring."""
        doc = cls.__doc__ if "__doc__" in vars(cls) else None
        return " ".join((doc or "").strip().split("\n\n")[0].split())

    def setup(self, config: PipelineConfig) -> None:
        """Build what is expensive (a model) once per process; never called per frame."""

    def start(self, state: StageState) -> None:
        """Fill a new rendition's `state` before its first frame."""

    def process(self, frame: Frame, params: Params, state: StageState) -> StageOutput:
        """Return the processed frame, or (frame, info) with info a dict of JSON values."""
        raise NotImplementedError(f"stage {self.name!r} has no process()")

    def new_state(self, rng: np.random.Generator) -> StageState:
        """Return this stage's fresh state for one rendition."""
        state = StageState(rng=rng, original=None)
        self.start(state)
        return state

    def params(self, settings: Settings) -> Params:
        """Return this stage's settings from a Settings, one attribute each."""
        return types.SimpleNamespace(**{s.attribute: getattr(settings, self.key_of(s))
                                        for s in self.settings})

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def has_default(setting: Setting) -> bool:
    """Tell whether a declared setting has a default value."""
    return setting.default is not MISSING


def stream_rng(seed: int | np.random.SeedSequence | None) -> np.random.Generator:
    """Return a random generator for one rendition (its stages draw from spawned children)."""
    return np.random.default_rng(seed)
