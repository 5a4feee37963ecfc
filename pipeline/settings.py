"""Per-client processing settings: every stage's switch and settings, checked by the catalogue."""

from protocol import SettingsError

from .catalogue import current


class Settings:
    """What one client asked for; immutable and hashable, so renditions are keyed by it.

    `Settings()` holds every default; `Settings(kernel_size=5)` changes one, checked.
    Each setting reads as an attribute: `settings.noise_amount`.
    """

    __slots__ = ("_values", "_hash")

    def __init__(self, **changes):
        catalogue = current()
        values = dict(catalogue.defaults)
        for key, value in changes.items():
            values[key] = catalogue.check(key, value)
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_hash", hash(frozenset(values.items())))

    @classmethod
    def _of(cls, values):
        """Return Settings holding `values` as they are (already checked, or unpickled)."""
        settings = cls.__new__(cls)
        object.__setattr__(settings, "_values", values)
        object.__setattr__(settings, "_hash", hash(frozenset(values.items())))
        return settings

    def __getattr__(self, key):
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(f"no setting {key!r}") from None

    def __setattr__(self, key, value):
        raise AttributeError("Settings are immutable; use updated()")

    def __eq__(self, other):
        return isinstance(other, Settings) and self._values == other._values

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return Settings._of, (self._values,)

    def __repr__(self):
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def updated(self, changes):
        """Return new settings with `changes` applied, or raise naming the first bad key."""
        if not isinstance(changes, dict):
            raise SettingsError("settings must be an object of key: value pairs")
        catalogue = current()
        clean = {key: catalogue.check(key, value) for key, value in changes.items()}
        return Settings._of({**self._values, **clean})

    def as_dict(self):
        """Return the settings as a plain dict, as sent to clients."""
        return {key: str(value) if isinstance(value, str) else value
                for key, value in self._values.items()}
