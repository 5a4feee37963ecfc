"""Image bytes in, JPEG out: decode -> the stages (pipeline/stages/, --stages) -> encode; no wire, no Flask."""

from .catalogue import Catalogue, check_stages, current, load_catalogue, use
from .compose import Pipeline, Result, StageFailed
from .config import PipelineConfig
from .landmark_model import ModelNotFound, find_landmark_model
from .settings import Settings
from .stage_loader import StageError
from .stream_state import StreamState
from .threads import single_threaded_libraries

__all__ = [
    "Catalogue", "ModelNotFound", "Pipeline", "PipelineConfig", "Result", "Settings",
    "StageError", "StageFailed", "StreamState", "check_stages", "current", "find_landmark_model",
    "load_catalogue", "single_threaded_libraries", "use",
]
