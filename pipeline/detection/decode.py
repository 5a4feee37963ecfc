"""Frame to model input and model output to detections: letterbox, decode, NMS. No model state."""

from dataclasses import dataclass

import cv2
import numpy as np

PAD_GREY = 114
NMS_IOU = 0.45
MAX_DETECTIONS = 100
# NMS is quadratic in its input: a model that fires everywhere (random weights, a bad export)
# must not cost seconds a frame, so only this many of the best candidates reach it.
MAX_CANDIDATES = 3000


@dataclass(frozen=True)
class Detection:
    """One object found in a frame: its label, score and box (x, y, w, h) in frame pixels."""

    label: str
    score: float
    box: tuple[int, int, int, int]

    def as_json(self) -> dict:
        """Return {"label", "score" (2 places), "box": [x, y, w, h]} for the wire."""
        return {"label": self.label, "score": round(self.score, 2), "box": list(self.box)}


@dataclass(frozen=True)
class Letterbox:
    """How a frame was fitted into the model's input: scale, then left/top padding."""

    gain: float
    left: int
    top: int
    frame_width: int
    frame_height: int


def letterbox(frame: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, Letterbox]:
    """Fit a BGR frame into size (w, h) as Ultralytics does; return RGB 0..1 float32 NCHW and the fit."""
    height, width = frame.shape[:2]
    gain = min(size[0] / width, size[1] / height)
    fitted_w, fitted_h = max(1, int(round(width * gain))), max(1, int(round(height * gain)))
    if (fitted_w, fitted_h) != (width, height):
        frame = cv2.resize(frame, (fitted_w, fitted_h), interpolation=cv2.INTER_LINEAR)
    pad_w, pad_h = (size[0] - fitted_w) / 2, (size[1] - fitted_h) / 2
    # The -0.1/+0.1 puts an odd pixel of padding at the bottom/right, exactly as Ultralytics does.
    top, bottom = int(round(pad_h - 0.1)), int(round(pad_h + 0.1))
    left, right = int(round(pad_w - 0.1)), int(round(pad_w + 0.1))
    padded = cv2.copyMakeBorder(frame, top, bottom, left, right, cv2.BORDER_CONSTANT,
                                value=(PAD_GREY, PAD_GREY, PAD_GREY))
    # Planes copied one by one, then scaled: on one thread this is several times faster than
    # cv2.dnn.blobFromImage (about 1 ms against 5 ms for a 640x640 input).
    blob = np.empty((1, 3, size[1], size[0]), np.float32)
    for channel, plane in enumerate(reversed(cv2.split(padded))):  # BGR -> RGB
        blob[0, channel] = plane
    blob *= 1 / 255
    return blob, Letterbox(gain, left, top, width, height)


def candidates(output: np.ndarray, layout: str, min_score: float,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return centre boxes (K, 4), scores (K,) and class ids (K,) scoring at least min_score."""
    if layout == "yolov8":  # [1, 4+C, N]: boxes then class scores, anchors along the last axis
        rows = output[0].T
        boxes, classes = rows[:, :4], rows[:, 4:]
    else:  # "yolov5", [1, N, 5+C]: box, objectness, class scores
        rows = output[0]
        # Class scores are at most 1, so rows whose objectness misses the threshold cannot pass.
        rows = rows[rows[:, 4] >= min_score]
        boxes, classes = rows[:, :4], rows[:, 5:] * rows[:, 4:5]
    if allowed is not None:
        classes = classes[:, allowed]
    if classes.shape[1] == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64)
    best = classes.argmax(axis=1)
    scores = classes[np.arange(len(classes)), best]
    keep = np.flatnonzero(scores >= min_score)
    if len(keep) > MAX_CANDIDATES:
        keep = keep[np.argpartition(-scores[keep], MAX_CANDIDATES)[:MAX_CANDIDATES]]
    ids = best[keep] if allowed is None else allowed[best[keep]]
    return boxes[keep].astype(np.float32), scores[keep].astype(np.float32), ids.astype(np.int64)


def to_frame(boxes: np.ndarray, fit: Letterbox) -> np.ndarray:
    """Map centre boxes in letterboxed input pixels to corner boxes (x1, y1, x2, y2) in the frame."""
    half = boxes[:, 2:4] / 2
    corners = np.concatenate([boxes[:, :2] - half, boxes[:, :2] + half], axis=1)
    corners -= (fit.left, fit.top, fit.left, fit.top)
    corners /= fit.gain
    np.clip(corners[:, 0::2], 0, fit.frame_width, out=corners[:, 0::2])
    np.clip(corners[:, 1::2], 0, fit.frame_height, out=corners[:, 1::2])
    return corners


def suppress(corners: np.ndarray, scores: np.ndarray, ids: np.ndarray,
             iou: float = NMS_IOU, limit: int = MAX_DETECTIONS) -> np.ndarray:
    """Return the indices kept by per-class non-maximum suppression, best score first."""
    if len(scores) == 0:
        return np.zeros(0, np.int64)
    xywh = np.concatenate([corners[:, :2], corners[:, 2:] - corners[:, :2]], axis=1)
    kept = np.asarray(cv2.dnn.NMSBoxesBatched(xywh, scores, ids, 0.0, iou), np.int64).reshape(-1)
    return kept[np.argsort(-scores[kept], kind="stable")][:limit]


def decode(output: np.ndarray, layout: str, fit: Letterbox, labels: list[str], min_score: float,
           allowed: np.ndarray | None = None) -> list[Detection]:
    """Turn one raw model output into frame-pixel detections, best first."""
    boxes, scores, ids = candidates(output, layout, min_score, allowed)
    corners = to_frame(boxes, fit)
    # A box that lies wholly in the padding has no area once clipped to the frame.
    solid = (corners[:, 2] > corners[:, 0]) & (corners[:, 3] > corners[:, 1])
    corners, scores, ids = corners[solid], scores[solid], ids[solid]
    found = []
    for i in suppress(corners, scores, ids):
        x1, y1, x2, y2 = (int(round(v)) for v in corners[i])
        found.append(Detection(labels[ids[i]], float(scores[i]), (x1, y1, x2 - x1, y2 - y1)))
    return found
