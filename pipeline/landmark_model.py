"""Locate dlib's 68-point landmark model, failing early with the paths tried."""

import importlib.util
import os
import pathlib

MODEL_NAME = "shape_predictor_68_face_landmarks.dat"
ENV_VAR = "LANDMARK_MODEL"
PROJECT_MODELS = pathlib.Path(__file__).resolve().parent.parent / "models"
# The fork server preloads the landmark model named in this variable (pipeline/preload.py).
PRELOAD_MODEL_VARIABLE = "PIPELINE_PRELOAD_LANDMARK_MODEL"


class ModelNotFound(RuntimeError):
    """The landmark model file is in none of the places searched."""


def _packaged_model() -> pathlib.Path | None:
    # face_recognition_models' __init__ imports pkg_resources, which may be missing,
    # so locate the package without importing it.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(spec.submodule_search_locations[0]) / "models" / MODEL_NAME


def candidate_paths(explicit: str | os.PathLike[str] | None = None) -> list[pathlib.Path]:
    """Return the paths to search: a path the user named, else the project's and the package's."""
    chosen = explicit or os.environ.get(ENV_VAR)
    if chosen:
        # A path the user asked for is the only one tried: silently using another would hide a typo.
        return [pathlib.Path(chosen)]
    return [p for p in (PROJECT_MODELS / MODEL_NAME, _packaged_model()) if p]


def find_landmark_model(explicit: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """Return the first existing model path, or raise listing every path tried."""
    tried = candidate_paths(explicit)
    for path in tried:
        if path.is_file():
            return path
    listing = "\n  ".join(str(p) for p in tried) or "(none)"
    raise ModelNotFound(
        f"dlib's {MODEL_NAME} was not found. Tried:\n  {listing}\n"
        f"Install it with `pip install face-recognition-models`, or put the file in "
        f"{PROJECT_MODELS}/, or point --landmark-model / ${ENV_VAR} at it."
    )
