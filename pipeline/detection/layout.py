"""Check a detector's input and output shapes and name its output layout (YOLOv8/11 or YOLOv5)."""

from dataclasses import dataclass

# What onnxruntime reports for a dimension: an int when fixed, a name or None when dynamic.
Dim = int | str | None

INPUT_TYPES = {"tensor(float)": "float32", "tensor(float16)": "float16"}


class LayoutError(ValueError):
    """The graph's shapes are not a single-image YOLO detector's; the message says which part."""


@dataclass(frozen=True)
class Layout:
    """What decoding needs to know about a detector graph."""

    name: str  # "yolov8" (also YOLO11) or "yolov5"
    classes: int
    input_size: tuple[int, int]  # (width, height)
    input_dtype: str


def _fixed(dim: Dim) -> bool:
    return isinstance(dim, int) and dim > 0


def _shown(shape: list[Dim]) -> str:
    return "[" + ", ".join(str(d) if _fixed(d) else "?" for d in shape) + "]"


def input_size(shape: list[Dim]) -> tuple[int, int]:
    """Return (width, height) of a [1, 3, H, W] input whose H and W are fixed."""
    # A dynamic batch is fine: one image is fed. Dynamic H or W is not: letterboxing needs a size.
    batch_ok = len(shape) == 4 and (shape[0] == 1 or not _fixed(shape[0]))
    if not (batch_ok and shape[1] == 3 and _fixed(shape[2]) and _fixed(shape[3])):
        raise LayoutError(f"input {_shown(shape)} is not [1, 3, H, W] with fixed H and W")
    return shape[3], shape[2]


def output_layout(shape: list[Dim]) -> tuple[str, int]:
    """Return ("yolov8", C) for [1, 4+C, N] or ("yolov5", C) for [1, N, 5+C]."""
    problem = (f"output {_shown(shape)} is neither YOLOv8/YOLO11 [1, 4+C, N] "
               f"nor YOLOv5 [1, N, 5+C]")
    if len(shape) != 3 or (_fixed(shape[0]) and shape[0] != 1):
        raise LayoutError(problem)
    rows, cols = shape[1], shape[2]
    # Anchors (N) outnumber class channels in every real export, and when N is dynamic
    # the one fixed axis is the channels; so the smaller (or the fixed) axis holds them.
    if _fixed(rows) and (not _fixed(cols) or rows <= cols) and rows > 4:
        return "yolov8", rows - 4
    if _fixed(cols) and (not _fixed(rows) or cols < rows) and cols > 5:
        return "yolov5", cols - 5
    raise LayoutError(problem)


def read_layout(input_shape: list[Dim], input_type: str, output_shape: list[Dim]) -> Layout:
    """Check both shapes and the input's element type; return the layout."""
    if input_type not in INPUT_TYPES:
        raise LayoutError(f"input type {input_type} is not float32 or float16")
    name, classes = output_layout(output_shape)
    return Layout(name, classes, input_size(input_shape), INPUT_TYPES[input_type])
