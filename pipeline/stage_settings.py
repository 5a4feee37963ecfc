"""What a stage may declare as a setting: a number, a whole number, a flag, a choice or a colour.

Each kind checks a value from a client (JSON) or from a URL's query (text), and describes
itself for the page, which draws its control from that description.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from typing import ClassVar


class _Missing(enum.Enum):
    MISSING = "MISSING"  # an enum member: one object, even through pickle


MISSING = _Missing.MISSING  # a setting declared without a default: the loader refuses it
Value = bool | int | float | str  # a setting's checked value, as JSON carries it; a colour's: HexColour
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")  # used with fullmatch: "$" allows a newline
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")
MAX_LISTED_STEPS = 10  # a stepped range of at most this many values names them all in its error


class Setting:
    """One declared setting; its key is the stage's name and the attribute's, or `key`."""

    kind: ClassVar[str] = "setting"

    def __init__(self, default: Value | _Missing = MISSING, label: str | None = None,
                 key: str | None = None):
        self.default = default
        self.label = label
        self.key = key
        self.attribute: str | None = None  # the name it was declared under, set by the Stage class

    def __set_name__(self, owner: type, name: str) -> None:
        self.attribute = name

    def check(self, value: object) -> Value:
        """Return `value` in its canonical form, or raise ValueError saying what it must be."""
        raise NotImplementedError

    def parse(self, text: str) -> Value:
        """Return the value a URL's query text stands for; text that does not parse is passed on."""
        return text

    def describe(self) -> dict[str, object]:
        """Return the JSON the page draws this setting's control from."""
        return {"key": self.key, "type": self.kind, "label": self.label or self.attribute or self.key,
                "default": self.default}


class Flag(Setting):
    """On or off."""

    kind = "flag"

    def __init__(self, default: bool = False, label: str | None = None, key: str | None = None):
        super().__init__(default, label, key)

    def check(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value

    def parse(self, text: str) -> bool | str:
        word = text.lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else text


class Number(Setting):
    """A number from `low` to `high`; `unit="%"` shows a fraction as a percentage."""

    kind = "number"

    def __init__(self, low: float, high: float, default: float | _Missing = MISSING,
                 label: str | None = None, step: float | None = None, unit: str | None = None,
                 key: str | None = None):
        super().__init__(default, label, key)
        self.low, self.high, self.step, self.unit = low, high, step, unit

    def check(self, value: object) -> float:
        # bool is an int in Python; a checkbox state is never a valid number here.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("must be a number")
        if not math.isfinite(value):  # int(inf) would raise OverflowError, and NaN compares false
            raise ValueError("must be a finite number")
        if not self.low <= value <= self.high:
            raise ValueError(f"must be between {self.low} and {self.high}")
        return float(value)

    def parse(self, text: str) -> int | float | str:
        for parse in (int, float):
            try:
                return parse(text)
            except ValueError:
                continue
        return text

    def describe(self) -> dict[str, object]:
        extra = {"min": self.low, "max": self.high, "step": self.step, "unit": self.unit}
        return {**super().describe(), **{k: v for k, v in extra.items() if v is not None}}


class Integer(Number):
    """A whole number from `low` to `high`, in steps of `step` counted from `low`."""

    kind = "integer"

    low: int
    high: int
    step: int

    def __init__(self, low: int, high: int, default: int | _Missing = MISSING,
                 label: str | None = None, step: int = 1, unit: str | None = None,
                 key: str | None = None):
        super().__init__(low, high, default, label, step, unit, key)

    def check(self, value: object) -> int:
        number = super().check(value)
        if int(number) != number:
            raise ValueError("must be a whole number")
        number = int(number)
        if (number - self.low) % self.step:
            allowed = range(self.low, self.high + 1, self.step)
            if len(allowed) <= MAX_LISTED_STEPS:
                raise ValueError(f"must be one of {', '.join(map(str, allowed))}")
            raise ValueError(f"must be {self.low} plus a multiple of {self.step}")
        return number


class Choice(Setting):
    """One of `options`: values, or (value, label) pairs."""

    kind = "choice"

    def __init__(self, options: Iterable[Value | tuple[Value, str]],
                 default: Value | _Missing = MISSING, label: str | None = None,
                 key: str | None = None):
        super().__init__(default, label, key)
        self.options = [option if isinstance(option, tuple) else (option, str(option))
                        for option in options]
        self.values = tuple(value for value, _ in self.options)

    def check(self, value: object) -> Value:
        # Compared with their types too: True == 1, and 1 is no choice of "1".
        if not any(type(value) is type(known) and value == known for known in self.values):
            raise ValueError(f"must be one of {', '.join(map(str, self.values))}")
        return value

    def describe(self) -> dict[str, object]:
        options = [{"value": value, "label": label} for value, label in self.options]
        return {**super().describe(), "options": options}


class HexColour(str):
    """A colour as '#rrggbb' text, with its BGR tuple for OpenCV at hand."""

    @property
    def bgr(self) -> tuple[int, int, int]:
        """Return the colour as a (blue, green, red) tuple of ints."""
        red, green, blue = (int(self[i:i + 2], 16) for i in (1, 3, 5))
        return blue, green, red


class Colour(Setting):
    """A colour, written '#rrggbb'; a stage reads it as a HexColour (text with `.bgr`)."""

    kind = "colour"

    def check(self, value: object) -> HexColour:
        if not isinstance(value, str) or not _HEX_COLOUR.fullmatch(value):
            raise ValueError("must be a colour like '#c8102e'")
        return HexColour(value.lower())


class Text(Setting):
    """A short line of text, at most `max_length` characters."""

    kind = "text"

    def __init__(self, default: str = "", label: str | None = None, max_length: int = 200,
                 key: str | None = None):
        super().__init__(default, label, key)
        self.max_length = max_length

    def check(self, value: object) -> str:
        if not isinstance(value, str) or len(value) > self.max_length:
            raise ValueError(f"must be text of at most {self.max_length} characters")
        if not value.isprintable():
            raise ValueError("must be one line of printable text")
        return value

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "max_length": self.max_length}
