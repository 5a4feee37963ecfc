"""Class names for a detector: from the model's metadata, a labels file, or the 80 COCO names."""

import ast
import pathlib

COCO_LABELS = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
    "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
    "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
    "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
    "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
    "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
    "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
    "teddy bear", "hair drier", "toothbrush",
]

# Ultralytics writes the class names into the ONNX metadata under this key.
METADATA_KEY = "names"
FROM_METADATA = "the model's metadata"


class LabelsError(ValueError):
    """Labels could not be read; the message says why, without the model's path."""


def labels_from_metadata(names: str) -> list[str]:
    """Parse Ultralytics' "names" metadata: a dict literal {0: 'person', ...} or a list literal."""
    try:
        # literal_eval, never eval: the string comes from a file anyone could have written.
        value = ast.literal_eval(names)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
        raise LabelsError(f"its '{METADATA_KEY}' metadata is not a Python literal ({error})") from None
    if isinstance(value, (list, tuple)):
        value = dict(enumerate(value))
    if not isinstance(value, dict) or not all(isinstance(k, int) for k in value):
        raise LabelsError(f"its '{METADATA_KEY}' metadata is not a dict of class index to name")
    if sorted(value) != list(range(len(value))):
        raise LabelsError(f"its '{METADATA_KEY}' metadata does not number classes 0..{len(value) - 1}")
    return [str(value[i]) for i in range(len(value))]


def labels_from_file(path: str) -> list[str]:
    """Read one label per line, skipping blank lines."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LabelsError(f"labels file {path} cannot be read ({type(error).__name__}: "
                          f"{getattr(error, 'strerror', None) or error})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def choose_labels(metadata: dict[str, str], labels_file: str | None) -> tuple[list[str], str]:
    """Return the labels and where they came from: metadata first, then the file, then COCO."""
    if METADATA_KEY in metadata:
        return labels_from_metadata(metadata[METADATA_KEY]), FROM_METADATA
    if labels_file is not None:
        return labels_from_file(labels_file), f"labels file {labels_file}"
    return list(COCO_LABELS), "the COCO names"
