"""A simulated ESP32 camera: both firmware MJPEG formats and the WebSocket push, with injectable faults."""

from .faults import FAULTS, FaultPlan
from .frames import DEFAULT_IMAGE, load_jpegs
from .mjpeg_server import FORMATS, MjpegCameraSimulator
from .push_client import PushCameraSimulator

__all__ = ["DEFAULT_IMAGE", "FAULTS", "FORMATS", "FaultPlan", "MjpegCameraSimulator",
           "PushCameraSimulator", "load_jpegs"]
