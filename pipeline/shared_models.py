"""Models loaded once per process and shared by every stage that asks for the same file."""

import os
import threading

import dlib

_predictors: dict[str, "dlib.shape_predictor"] = {}  # by path
_lock = threading.Lock()


def shape_predictor(path: str | os.PathLike[str]) -> "dlib.shape_predictor":
    """Return dlib's shape predictor for `path`, loading it on first use (about 100 MB)."""
    path = str(path)
    with _lock:
        if path not in _predictors:
            _predictors[path] = dlib.shape_predictor(path)
        return _predictors[path]


_detectors: list["dlib.fhog_object_detector"] = []  # preloaded, each taken once


def frontal_face_detector() -> "dlib.fhog_object_detector":
    """Return a frontal face detector: the preloaded one first (once), then new ones (0.8 s each).

    A detector keeps scratch state while it scans, so each caller gets its own.
    """
    with _lock:
        if _detectors:
            return _detectors.pop()
    return dlib.get_frontal_face_detector()


def preload_face_detector() -> None:
    """Build one detector now, for the next process forked from this one to take."""
    with _lock:
        _detectors.append(dlib.get_frontal_face_detector())
