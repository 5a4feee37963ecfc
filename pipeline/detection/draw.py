"""Draw detections onto a copy of a frame: a box and a "label 0.87" tag, both inside the box."""

import zlib

import cv2
import numpy as np

from .decode import Detection

FONT = cv2.FONT_HERSHEY_SIMPLEX


def colour(label: str) -> tuple[int, int, int]:
    """Return a bright BGR colour that stays the same for a label across frames and runs."""
    hue = zlib.crc32(label.encode()) % 180  # crc32, not hash(): str hashes change per process
    bgr = cv2.cvtColor(np.uint8([[[hue, 220, 255]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def draw_detections(frame: np.ndarray, detections: list[Detection]) -> np.ndarray:
    """Return a copy of a BGR frame with each detection boxed and tagged; the input is untouched."""
    canvas = frame.copy()
    height, width = canvas.shape[:2]
    scale = max(0.35, height / 960)
    thickness = max(1, round(height / 360))
    for detection in detections:
        x, y, w, h = detection.box
        x1, y1 = max(0, x), max(0, y)
        x2, y2 = min(width, x + w), min(height, y + h)
        if x2 <= x1 or y2 <= y1:
            continue
        # Everything is drawn into a view of the box itself, so nothing can land outside it
        # (or outside the frame, whatever box a model reports).
        inside = canvas[y1:y2, x1:x2]
        _draw_one(inside, f"{detection.label} {detection.score:.2f}", colour(detection.label),
                  scale, thickness)
    return canvas


def _draw_one(inside: np.ndarray, tag: str, bgr: tuple[int, int, int], scale: float,
              thickness: int) -> None:
    h, w = inside.shape[:2]
    # A line centred on the view's edge, twice as thick: the half outside is clipped away.
    cv2.rectangle(inside, (0, 0), (w - 1, h - 1), bgr, 2 * thickness)
    (text_w, text_h), baseline = cv2.getTextSize(tag, FONT, scale, 1)
    tag_h = text_h + baseline + 2
    cv2.rectangle(inside, (0, 0), (text_w + 3, tag_h), bgr, cv2.FILLED)
    cv2.putText(inside, tag, (2, text_h + 1), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
