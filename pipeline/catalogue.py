"""Every setting a client may change, gathered from the stages: their keys, defaults and checks.

One catalogue is in use per process (`use`), built from the same PipelineConfig in the web
server and in each pipeline process, so a Settings means the same thing on both sides.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable

from protocol import SettingsError, shown

from .config import PipelineConfig
from .stage import Stage
from .stage_loader import StageError, load_stages, where
from .stage_settings import Choice, Flag, Integer, Setting, Value

# Settings of the output rather than of a stage.
OUTPUT_SETTINGS: dict[str, Setting] = {
    "jpeg_quality": Integer(1, 100, default=75, label="Return JPEG quality", key="jpeg_quality"),
    "view": Choice([("processed", "Processed frame"), ("stages", "Stages side by side")],
                   default="processed", label="View", key="view"),
}


class Catalogue:
    """The stages in running order and every setting's key, default and check."""

    stages: tuple[type[Stage], ...]  # in running order
    unavailable: dict[str, str]  # a stage's name -> why it cannot run with this config
    switches: dict[str, Flag]  # a stage's name -> the flag that turns it on
    settings: dict[str, Setting]  # every key a client may set -> its setting
    defaults: dict[str, Value]  # every key -> its value in `Settings()`

    def __init__(self, stages: Iterable[type[Stage]], config: PipelineConfig):
        self.stages = tuple(stages)
        self.unavailable = {cls.name: reason for cls in self.stages
                            if (reason := cls.unavailable(config))}
        self.switches = {cls.name: Flag(cls.enabled, label=cls.label or cls.name.capitalize(),
                                        key=cls.name) for cls in self.stages}
        self.settings = dict(self.switches)
        for cls in self.stages:
            for setting in cls.settings:
                self._add(cls.key_of(setting), setting, cls)
        for key, setting in OUTPUT_SETTINGS.items():
            self._add(key, setting, None)
        self.defaults = {key: setting.check(setting.default) for key, setting in self.settings.items()}
        for name in self.unavailable:
            self.defaults[name] = False  # a stage that cannot run is never on by default

    def _add(self, key: str, setting: Setting, cls: type[Stage] | None) -> None:
        if key in self.settings:
            owner = f"stage '{cls.name}' at {where(cls)}" if cls else "the output"
            raise StageError(f"{owner} declares the setting '{key}', which another stage "
                             "or setting already uses; give it another key")
        self.settings[key] = setting

    def check(self, key: str, value: object) -> Value:
        """Return `value` checked for setting `key`; raise SettingsError naming what is wrong."""
        setting = self.settings.get(key)
        if setting is None:
            raise SettingsError(f"unknown setting {shown(key)}; known: {', '.join(self.settings)}",
                                code="unknown_setting")
        try:
            value = setting.check(value)
        except ValueError as exc:
            raise SettingsError(f"setting '{key}' {exc} (got {shown(value)})") from None
        if value is True and key in self.unavailable:
            raise SettingsError(f"stage '{key}' cannot run on this server: {self.unavailable[key]}")
        return value

    def describe(self) -> dict[str, list[dict[str, object]]]:
        """Return the stages and their settings as the page draws them (GET /api/stages)."""
        stages: list[dict[str, object]] = []
        for cls in self.stages:
            entry: dict[str, object] = {"name": cls.name, "label": self.switches[cls.name].label,
                     "description": cls.description(), "enabled": self.defaults[cls.name],
                     "available": cls.name not in self.unavailable,
                     "settings": [self._describe(cls.key_of(s)) for s in cls.settings]}
            if cls.name in self.unavailable:
                entry["reason"] = self.unavailable[cls.name]
            stages.append(entry)
        return {"stages": stages, "output": [self._describe(key) for key in OUTPUT_SETTINGS]}

    def _describe(self, key: str) -> dict[str, object]:
        return {**self.settings[key].describe(), "key": key, "default": self.defaults[key]}


@functools.lru_cache(maxsize=8)
def load_catalogue(config: PipelineConfig) -> Catalogue:
    """Return the catalogue for `config`'s stage folders, loading them once per process."""
    return Catalogue(load_stages(config.stage_folders), config)


def check_stages(config: PipelineConfig) -> Catalogue:
    """Load the stages and let each that can run check `config`; raise ValueError, one line."""
    catalogue = load_catalogue(config)
    for cls in catalogue.stages:
        if cls.name not in catalogue.unavailable:
            cls.check(config)
    return catalogue


_current: Catalogue | None = None
_lock = threading.Lock()


def use(catalogue: Catalogue) -> None:
    """Make `catalogue` the one that Settings in this process are checked against."""
    global _current
    _current = catalogue


def current() -> Catalogue:
    """Return the catalogue in use: the built-in stages alone until `use` names another."""
    global _current
    with _lock:
        if _current is None:
            _current = load_catalogue(PipelineConfig())
        return _current
