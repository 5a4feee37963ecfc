"""Per-client processing settings: every stage's switch and settings, checked by the catalogue."""

from __future__ import annotations

from collections.abc import Callable

from protocol import SettingsError

from .catalogue import current
from .stage_settings import Value


class Settings:
    """What one client asked for; immutable and hashable, so renditions are keyed by it.

    `Settings()` holds every default; `Settings(kernel_size=5)` changes one, checked.
    Each setting reads as an attribute: `settings.noise_amount`.
    """

    __slots__ = ("_values", "_hash")
    _values: dict[str, Value]  # every setting's key -> its checked value
    _hash: int

    def __init__(self, **changes: object):
        catalogue = current()
        values = dict(catalogue.defaults)
        for key, value in changes.items():
            values[key] = catalogue.check(key, value)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_hash", hash(frozenset(values.items())))

    @classmethod
    def _of(cls, values: dict[str, Value]) -> Settings:
        """Return Settings holding `values` as they are (already checked, or unpickled)."""
        settings = cls.__new__(cls)
        object.__setattr__(settings, "_values", values)
        object.__setattr__(settings, "_hash", hash(frozenset(values.items())))
        return settings

    def __getattr__(self, key: str) -> Value:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"no setting {key!r}") from None

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Settings are immutable; use updated()")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Settings) and self._values == other._values

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[Callable[[dict[str, Value]], Settings], tuple[dict[str, Value]]]:
        return Settings._of, (self._values,)

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def updated(self, changes: dict[str, object]) -> Settings:
        """Return new settings with `changes` applied, or raise naming the first bad key."""
        if not isinstance(changes, dict):  # a client's JSON may be any value
            raise SettingsError("settings must be an object of key: value pairs")
        catalogue = current()
        clean = {key: catalogue.check(key, value) for key, value in changes.items()}
        return Settings._of({**self._values, **clean})

    def as_dict(self) -> dict[str, Value]:
        """Return the settings as a plain dict, as sent to clients."""
        return {key: str(value) if isinstance(value, str) else value
                for key, value in self._values.items()}
