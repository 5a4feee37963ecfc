"""Image bytes in, JPEG out: decode -> noise -> filter -> lips -> stamp -> encode; no wire, no Flask."""

from .compose import Pipeline, PipelineConfig, Result
from .landmark_model import ModelNotFound, find_landmark_model
from .settings import Settings
from .stream_state import StreamState
from .threads import single_threaded_libraries

__all__ = [
    "ModelNotFound", "Pipeline", "PipelineConfig", "Result", "Settings", "StreamState",
    "find_landmark_model", "single_threaded_libraries",
]
