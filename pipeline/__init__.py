"""Frame processing, importable without Flask: decode -> noise -> filter -> lips -> stamp -> encode."""

from .compose import Pipeline, PipelineConfig, Result
from .errors import ClientError, FrameError, SettingsError
from .landmark_model import ModelNotFound, find_landmark_model
from .settings import Settings
from .stream_state import StreamState
from .threads import single_threaded_libraries

__all__ = [
    "ClientError", "FrameError", "ModelNotFound", "Pipeline", "PipelineConfig", "Result",
    "Settings", "SettingsError", "StreamState", "find_landmark_model", "single_threaded_libraries",
]
