"""Lip recolour from dlib's 68 landmarks: outer lip ring painted, open mouth left alone."""

import cv2
import numpy as np

OUTER_LIP = slice(48, 60)
INNER_LIP = slice(60, 68)
FEATHER = 5  # blur radius, in pixels, that softens the painted edge


def lip_mask(shape, points):
    """Return a uint8 mask (0..255) of the lips of one face: outer ring minus the mouth opening."""
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [points[OUTER_LIP]], 255)
    cv2.fillPoly(mask, [points[INNER_LIP]], 0)
    return mask


def recolour(frame, mask, colour_bgr, strength):
    """Blend `colour_bgr` into `frame` where `mask` is set; return a new frame."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0 or strength <= 0:
        return frame
    pad = FEATHER * 2
    top, bottom = max(ys.min() - pad, 0), min(ys.max() + pad + 1, frame.shape[0])
    left, right = max(xs.min() - pad, 0), min(xs.max() + pad + 1, frame.shape[1])
    # Only the lip box is touched, so the cost does not grow with the frame size.
    region = frame[top:bottom, left:right].astype(np.float32)
    alpha = cv2.GaussianBlur(mask[top:bottom, left:right], (0, 0), FEATHER / 2)
    alpha = (alpha.astype(np.float32) * (strength / 255.0))[:, :, None]
    # Keep the lips' own light and shade: tint by luminance instead of pasting flat colour.
    luminance = region.mean(axis=2, keepdims=True) / 128.0
    tint = np.clip(np.asarray(colour_bgr, np.float32) * luminance, 0, 255)
    out = frame.copy()
    out[top:bottom, left:right] = np.rint(region * (1 - alpha) + tint * alpha).astype(np.uint8)
    return out


class LipRecolour:
    """Stage that recolours the lips of every face it finds."""

    name = "lips"
    panel = None

    def __init__(self, face_finder):
        self.faces = face_finder

    def __call__(self, frame, settings, state):
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        mask = np.zeros(frame.shape[:2], np.uint8)
        for points in self.faces.find(gray, state.faces):
            mask |= lip_mask(frame.shape, points)
        return recolour(frame, mask, settings.lip_bgr(), settings.lip_strength)

    def __repr__(self):
        return f"LipRecolour(detect_width={self.faces.detect_width})"
