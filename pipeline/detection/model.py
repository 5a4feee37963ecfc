"""An ONNX YOLO detector loaded once: checks the file at start-up, then frames in, detections out."""

import logging
import pathlib

import numpy as np

from .decode import Detection, decode, letterbox
from .labels import FROM_METADATA, LabelsError, choose_labels
from .layout import Layout, LayoutError, output_layout, read_layout
from .runtimes import OpenCvRunner, OrtRunner, RunnerError, choose, open_session, warm_up

log = logging.getLogger(__name__)

WHERE_TO_GET = ("export one with Ultralytics, e.g. `yolo export model=yolov8n.pt format=onnx "
                "imgsz=320`")


class DetectorModelError(ValueError):
    """A detector model cannot be used; the one-line message names the file and the reason."""


class DetectorModel:
    """A YOLOv8/YOLO11 or YOLOv5 ONNX detector; build it with DetectorModel.load()."""

    def __init__(self, path: str, runner: OrtRunner | OpenCvRunner, layout: Layout,
                 labels: list[str]):
        self.path = path
        self._runner = runner
        self._layout = layout
        self._labels = list(labels)
        self._index = {}
        for class_id, label in enumerate(self._labels):
            self._index.setdefault(label, []).append(class_id)

    @classmethod
    def load(cls, path: str, labels_file: str | None = None, runtime: str = "auto",
             device: str | None = None) -> "DetectorModel":
        """Load and check an ONNX detector; raise DetectorModelError naming the path if unusable."""
        path = str(path)
        if not pathlib.Path(path).is_file():
            raise DetectorModelError(f"detector model {path}: no such file; {WHERE_TO_GET}")
        try:
            runner, layout, labels = _build(path, labels_file, runtime, device)
        except (RunnerError, LayoutError, LabelsError) as error:
            raise DetectorModelError(f"detector model {path}: {error}") from None
        model = cls(path, runner, layout, labels)
        log.info("loaded %r", model)
        return model

    @property
    def input_size(self) -> tuple[int, int]:
        """Return the model's input (width, height)."""
        return self._layout.input_size

    @property
    def labels(self) -> list[str]:
        """Return the class names, indexed by class id."""
        return list(self._labels)

    @property
    def layout(self) -> str:
        """Return "yolov8" (YOLOv8/YOLO11) or "yolov5"."""
        return self._layout.name

    @property
    def runtime(self) -> str:
        """Return "onnxruntime" or "opencv"."""
        return self._runner.runtime

    @property
    def device(self) -> str:
        """Return "cpu" or "cuda"."""
        return self._runner.device

    def class_ids(self, labels: set[str] | None) -> np.ndarray | None:
        """Return the class ids carrying any of `labels` (None means every class)."""
        if labels is None:
            return None
        return np.array(sorted(i for label in labels for i in self._index.get(label, ())), np.int64)

    def detect(self, frame: np.ndarray, min_score: float = 0.25,
               labels: set[str] | None = None) -> list[Detection]:
        """Find objects in an H x W x 3 uint8 BGR frame, best score first, at most 100."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"frame must be H x W x 3 uint8 BGR, not {frame.shape} {frame.dtype}")
        blob, fit = letterbox(frame, self.input_size)
        output = self._runner(blob)
        return decode(output, self.layout, fit, self._labels, min_score, self.class_ids(labels))

    def __repr__(self) -> str:
        width, height = self.input_size
        return (f"DetectorModel({self.path!r}, {self.layout}, {width}x{height}, "
                f"{len(self._labels)} classes, {self.runtime} on {self.device})")


def _build(path: str, labels_file: str | None, runtime: str,
           device: str | None) -> tuple[OrtRunner | OpenCvRunner, Layout, list[str]]:
    """Open the runtime, check the layout and pick the labels; errors leave out the path."""
    runtime, device = choose(runtime, device)
    # onnxruntime reads shapes and metadata for both runtimes; when it is not the runtime,
    # its graph optimisation is skipped, as that session is thrown away.
    session = open_session(path, device if runtime == "onnxruntime" else "cpu",
                           optimise=runtime == "onnxruntime")
    layout = read_layout(session.get_inputs()[0].shape, session.get_inputs()[0].type,
                         session.get_outputs()[0].shape)
    labels, source = choose_labels(session.get_modelmeta().custom_metadata_map, labels_file)
    if len(labels) != layout.classes:
        raise LabelsError(f"it has {layout.classes} classes but {len(labels)} labels "
                          f"come from {source}")
    if labels_file is not None and source == FROM_METADATA:
        log.warning("detector model %s: labels come from its metadata; %s is not read",
                    path, labels_file)
    runner = OrtRunner(session, layout.input_dtype) if runtime == "onnxruntime" \
        else OpenCvRunner(path, device)
    ran = list(warm_up(runner, layout.input_size))
    if output_layout(ran) != (layout.name, layout.classes):
        raise LayoutError(f"output is {ran} when run, which does not match its declared layout")
    if runner.device != device:
        log.warning("detector model %s: CUDA was asked for but onnxruntime fell back to the CPU",
                    path)
    return runner, layout, labels
