"""Per-client processing settings: defaults, validation and partial updates."""

import dataclasses
import math
import re

from protocol import SettingsError, shown

VIEWS = ("processed", "stages")
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")  # used with fullmatch: "$" allows a newline


def _flag(value):
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _number(low, high, integer=False):
    def check(value):
        # bool is an int in Python; a checkbox state is never a valid number here.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("must be a number")
        if not math.isfinite(value):  # int(inf) would raise OverflowError, and NaN compares false
            raise ValueError("must be a finite number")
        if integer and int(value) != value:
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return int(value) if integer else float(value)

    return check


def _kernel_size(value):
    value = _number(1, 15, integer=True)(value)
    if value % 2 == 0:
        raise ValueError("must be odd")
    return value


def _colour(value):
    if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
        raise ValueError("must be a colour like '#c8102e'")
    return value.lower()


def _view(value):
    if value not in VIEWS:
        raise ValueError(f"must be one of {', '.join(VIEWS)}")
    return value


_VALIDATORS = {
    "noise": _flag,
    "noise_amount": _number(0.0, 0.5),
    "filter": _flag,
    "kernel_size": _kernel_size,
    "grayscale": _flag,
    "lips": _flag,
    "lip_color": _colour,
    "lip_strength": _number(0.0, 1.0),
    "stamp": _flag,
    "jpeg_quality": _number(1, 100, integer=True),
    "view": _view,
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """What one client asked for; immutable, so a worker can read it without locks."""

    noise: bool = True
    noise_amount: float = 0.02
    filter: bool = True
    kernel_size: int = 3
    grayscale: bool = False
    lips: bool = True
    lip_color: str = "#d0103a"
    lip_strength: float = 0.6
    stamp: bool = True
    jpeg_quality: int = 75
    view: str = "processed"

    def updated(self, changes):
        """Return new settings with `changes` applied, or raise naming the first bad key."""
        if not isinstance(changes, dict):
            raise SettingsError("settings must be an object of key: value pairs")
        clean = {}
        for key, value in changes.items():
            validate = _VALIDATORS.get(key)
            if validate is None:
                raise SettingsError(
                    f"unknown setting {shown(key)}; known: {', '.join(_VALIDATORS)}",
                    code="unknown_setting",
                )
            try:
                clean[key] = validate(value)
            except ValueError as exc:
                raise SettingsError(f"setting '{key}' {exc} (got {shown(value)})") from None
        return dataclasses.replace(self, **clean)

    def as_dict(self):
        """Return the settings as a plain dict, as sent to clients."""
        return dataclasses.asdict(self)

    def lip_bgr(self):
        """Return the lip colour as a BGR tuple of ints."""
        red, green, blue = (int(self.lip_color[i:i + 2], 16) for i in (1, 3, 5))
        return blue, green, red
