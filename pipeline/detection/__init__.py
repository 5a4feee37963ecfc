"""Find objects in frames with an ONNX YOLO detector (YOLOv8/YOLO11 or YOLOv5 layout)."""

from .decode import Detection
from .draw import draw_detections
from .labels import COCO_LABELS
from .model import DetectorModel, DetectorModelError

__all__ = ["COCO_LABELS", "Detection", "DetectorModel", "DetectorModelError", "draw_detections"]
