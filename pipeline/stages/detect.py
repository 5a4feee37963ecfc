"""Object detection with an ONNX model (YOLOv8, YOLO11 or YOLOv5 layout), chosen with --detector-model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pipeline.config import PipelineConfig
from pipeline.stage import Frame, Number, Params, Stage, StageOutput, StageState, Text

if TYPE_CHECKING:  # for annotations only: the serving process never loads a runtime
    from pipeline.detection import Detection, DetectorModel

NO_MODEL = ("no detector model was given: start the server with --detector-model yolov8n.onnx "
            "(or DETECTOR_MODEL); the README's 'Detect objects' says where to get one")


class Detect(Stage):
    """Find objects with an ONNX detector and box them, with their label and score."""

    name = "detect"
    label = "Detect objects"
    confidence = Number(0.05, 0.95, default=0.25, label="Confidence", step=0.05, unit="%",
                        key="detect_confidence")
    only = Text("", label="Only these labels (comma-separated; empty: all)", max_length=400,
                key="detect_labels")
    model: DetectorModel  # set in setup, as is `draw`
    draw: Callable[[Frame, list[Detection]], Frame]

    @classmethod
    def unavailable(cls, config: PipelineConfig) -> str | None:
        return None if config.detector_model else NO_MODEL

    @classmethod
    def check(cls, config: PipelineConfig) -> None:
        if config.detector_model:
            cls._load(config)  # a missing or broken model stops start-up with its one line

    @staticmethod
    def _load(config: PipelineConfig) -> DetectorModel:
        # Imported here: a server without a detector model never loads a runtime.
        from pipeline.detection import DetectorModel

        device = config.device and ("cuda" if config.device.startswith("cuda") else "cpu")
        return DetectorModel.load(config.detector_model, config.detector_labels,
                                  runtime=config.detector_runtime, device=device)

    def setup(self, config: PipelineConfig) -> None:
        from pipeline.detection import draw_detections

        self.model = self._load(config)
        self.draw = draw_detections

    def process(self, frame: Frame, params: Params, state: StageState) -> StageOutput:
        wanted = {label.strip() for label in params.only.split(",") if label.strip()}
        detections = self.model.detect(frame, params.confidence, wanted or None)
        return self.draw(frame, detections), {"detections": [d.as_json() for d in detections]}

    def __repr__(self) -> str:
        model = self.model
        return (f"Detect({model.layout}, {model.input_size[0]}x{model.input_size[1]}, "
                f"{len(model.labels)} labels, {model.runtime} on {model.device})")
