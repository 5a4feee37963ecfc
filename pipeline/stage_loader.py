"""Find the stages: the built-ins, then every Stage in the `*.py` files of the folders given.

A broken stage stops start-up with one line naming the file, the line and what is wrong.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import logging
import os
import pathlib
import re
import sys
import traceback
import types
from collections.abc import Iterable

from .stage import Stage, has_default
from .stages import BUILT_IN

log = logging.getLogger(__name__)

STAGE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")  # fullmatch: it is also a settings key
STAMP = "stamp"  # an added stage without `after` runs just before it
# What the page calls its own controls and regions: a stage's switch there has its name as id.
PAGE_NAMES = frozenset("""capture connection detections device flip fps main media notice output
pause player preview processed processing reconnect record share snapshot source start stop
telemetry token upload wall""".split())


class StageError(ValueError):
    """A stage that cannot be loaded; the message is one line for the person starting the server."""


def where(cls: type) -> str:
    """Return 'file, line N' of a stage class, for error messages."""
    path = inspect.getsourcefile(cls) or "?"
    try:
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return path
    return f"{path}, line {line}"


def _stages_of(module: types.ModuleType) -> list[type[Stage]]:
    """Return the Stage subclasses a module defines (not those it imports), in source order."""
    found = [value for value in vars(module).values()
             if inspect.isclass(value) and issubclass(value, Stage) and value is not Stage
             and value.__module__ == module.__name__]
    return sorted(found, key=lambda cls: inspect.getsourcelines(cls)[1])


def _import_file(path: pathlib.Path) -> types.ModuleType:
    """Import one stage file under a name of its own; raise StageError saying where it failed."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    name = f"added_stages_{digest}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a class's module up here
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        raise StageError(f"{path}, line {exc.lineno}: syntax error: {exc.msg}") from None
    except Exception as exc:  # whatever the file raises on import is the file's fault
        del sys.modules[name]
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
        line = f", line {frames[-1].lineno}" if frames else ""
        raise StageError(f"{path}{line}: {type(exc).__name__}: {exc}") from None
    return module


def _added(folders: Iterable[str | os.PathLike[str]]) -> list[type[Stage]]:
    """Return the stages found in the folders' `*.py` files, folder by folder, file by file."""
    stages = []
    for folder in folders:
        folder = pathlib.Path(folder)
        if not folder.is_dir():
            raise StageError(f"--stages {folder}: no such folder")
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            found = _stages_of(_import_file(path))
            if not found:
                log.warning("%s defines no Stage subclass; skipped", path)
            stages.extend(found)
    return stages


def _check(cls: type[Stage]) -> None:
    """Raise StageError if a stage class breaks the contract."""
    if not isinstance(cls.name, str) or not STAGE_NAME.fullmatch(cls.name):
        raise StageError(f"{where(cls)}: stage {cls.__name__} needs a `name` of 1-32 lower-case "
                         f"letters, digits or '_', starting with a letter (got {cls.name!r})")
    if cls.name in PAGE_NAMES:
        raise StageError(f"{where(cls)}: the page uses '{cls.name}' for a control of its own; "
                         "give the stage another name")
    if cls.process is Stage.process:
        raise StageError(f"{where(cls)}: stage '{cls.name}' has no process(frame, params, state)")
    for setting in cls.settings:
        if not has_default(setting):
            raise StageError(f"{where(cls)}: setting '{setting.attribute}' of stage "
                             f"'{cls.name}' has no default")
        try:
            setting.check(setting.default)
        except ValueError as exc:
            raise StageError(f"{where(cls)}: the default of setting '{setting.attribute}' of "
                             f"stage '{cls.name}' {exc} (got {setting.default!r})") from None


def _place(built_in: list[type[Stage]], added: list[type[Stage]]) -> list[type[Stage]]:
    """Return every stage in running order: each added one after its `after`, else before the stamp."""
    order = list(built_in)
    # A stage's name -> the last stage placed after it, so file order is kept.
    last_after: dict[str, str] = {}
    pending = list(added)
    while pending:
        placed = False
        for cls in list(pending):
            names = [stage.name for stage in order]
            target = cls.after
            if target is None:
                index = names.index(STAMP)
            elif target in names:
                index = names.index(last_after.get(target, target)) + 1
                last_after[target] = cls.name
            else:
                continue  # its target may be another added stage, placed later
            order.insert(index, cls)
            pending.remove(cls)
            placed = True
        if not placed:
            cls = pending[0]
            known = ", ".join(stage.name for stage in order)
            raise StageError(f"{where(cls)}: stage '{cls.name}' runs after '{cls.after}', "
                             f"which is no stage; stages: {known}")
    return order


def load_stages(folders: Iterable[str | os.PathLike[str]] = ()) -> list[type[Stage]]:
    """Return every stage class in running order; raise StageError for a broken one."""
    built_in = [cls for name in BUILT_IN
                for cls in _stages_of(importlib.import_module(f"{__package__}.stages.{name}"))]
    added = _added(folders)
    seen: dict[str, type[Stage]] = {}
    for cls in built_in + added:
        _check(cls)
        if cls.name in seen:
            raise StageError(f"two stages are named '{cls.name}': {where(seen[cls.name])} "
                             f"and {where(cls)}")
        seen[cls.name] = cls
    return _place(built_in, added)
