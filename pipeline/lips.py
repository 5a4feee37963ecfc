"""Lip recolour from dlib's 68 landmarks: outer lip ring painted, open mouth left alone."""

import cv2
import numpy as np

from .frame import Frame

OUTER_LIP = slice(48, 60)
INNER_LIP = slice(60, 68)
LIPS = slice(48, 68)  # every lip point, outer ring and inner
FEATHER = 5  # blur radius, in pixels, that softens the painted edge


def lip_mask(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    """Return a uint8 mask (0..255) of the lips of one face: outer ring minus the mouth opening.

    `points` are the face's 68 landmarks, a (68, 2) int32 array of (x, y); the mask is shape[:2].
    """
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [points[OUTER_LIP]], 255)
    cv2.fillPoly(mask, [points[INNER_LIP]], 0)
    return mask


def lip_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Return (top, bottom, left, right) around the outer lip, with room for the feather."""
    left, top, width, height = cv2.boundingRect(points[OUTER_LIP])
    pad = FEATHER * 2
    return (max(top - pad, 0), min(top + height + pad, shape[0]),
            max(left - pad, 0), min(left + width + pad, shape[1]))


def feathered_mask(points: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Return the lips' mask in their lip box (lip_box), its edge softened by FEATHER; uint8."""
    top, bottom, left, right = lip_box(points, shape)
    mask = lip_mask((bottom - top, right - left), points - np.array([left, top], points.dtype))
    return cv2.GaussianBlur(mask, (0, 0), FEATHER / 2)


def recolour(frame: Frame, points: np.ndarray, colour_bgr: tuple[int, int, int],
             strength: float, mask: np.ndarray | None = None) -> None:
    """Blend `colour_bgr` into one face's lips, in place; only the lip box is touched.

    `mask` is the face's feathered_mask when the caller kept it from an earlier frame.
    """
    top, bottom, left, right = lip_box(points, frame.shape)
    if bottom <= top or right <= left:
        return
    region = frame[top:bottom, left:right].astype(np.float32)
    if mask is None:
        mask = feathered_mask(points, frame.shape)
    alpha = mask.astype(np.float32) * (strength / 255.0)
    # Keep the lips' own light and shade: tint by luminance (the mean of B, G and R over 128)
    # instead of pasting flat colour; one matrix per pixel gives the colour times luminance.
    tint = cv2.transform(region, np.outer(colour_bgr, np.full(3, 1 / 384)).astype(np.float32))
    np.minimum(tint, 255, out=tint)
    # region + alpha * (tint - region), in place, then rounded and saturated to uint8.
    tint -= region
    tint *= alpha[:, :, None]
    tint += region
    frame[top:bottom, left:right] = cv2.convertScaleAbs(tint)
