"""What the pipeline needs to build its stages once."""

import dataclasses

from . import codec


@dataclasses.dataclass(frozen=True)
class PipelineConfig:
    """The pipeline's options; frozen and hashable, so each process builds its stages once."""

    landmark_model: str = ""
    device: str | None = None  # a torch device name ("cpu", "cuda:0"); None: CUDA if there is one
    detect_width: int = 320
    redetect_every: int = 10
    workers: int = 2  # threads that may run the pipeline at once
    max_pixels: int = codec.MAX_PIXELS
    stage_folders: tuple[str, ...] = ()  # folders of added stages (--stages), loaded in this order
    detector_model: str | None = None  # an ONNX object detector for the detect stage
    detector_labels: str | None = None  # a file of its labels, one a line, if the model has none
    detector_runtime: str = "auto"  # onnxruntime, opencv, or auto: the faster here
