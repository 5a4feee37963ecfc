"""Stamp the client's moving-average FPS onto the frame."""

import cv2

from .frame import Frame

FONT = cv2.FONT_HERSHEY_SIMPLEX
TEXT_COLOUR = (255, 255, 255)
BOX_COLOUR = (160, 40, 10)


def draw_label(frame: Frame, text: str, origin: tuple[int, int] = (6, 6)) -> Frame:
    """Return a copy of `frame` with `text` on a filled box, scaled to the frame's width."""
    scale = max(0.3, min(1.0, frame.shape[1] / 640))
    thickness = 1 if scale < 0.7 else 2
    (width, height), baseline = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = origin
    out = frame.copy()
    cv2.rectangle(out, (x, y), (x + width + 8, y + height + baseline + 8), BOX_COLOUR, cv2.FILLED)
    cv2.putText(out, text, (x + 4, y + height + 4), FONT, scale, TEXT_COLOUR, thickness, cv2.LINE_AA)
    return out
