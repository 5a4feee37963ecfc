"""The lips' truth for a frame, and how closely the server's face finder comes to it.

The reference is what the seed did at its most careful: full-resolution detection with one
upsampling, then landmarks, on every frame, remembering nothing.
"""

import dataclasses
import functools

import cv2
import dlib
import numpy as np

from pipeline import find_landmark_model
from pipeline.faces import FaceFinder, FaceTrack
from pipeline.lips import lip_mask

from .stats import pct

GOOD_IOU = 0.7


@functools.lru_cache(maxsize=1)
def _reference_models():
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(find_landmark_model()))


@dataclasses.dataclass
class Reference:
    """One frame's truth: the lips and the face boxes found there."""

    lips: np.ndarray   # bool mask
    faces: np.ndarray  # bool mask of the face boxes


def reference(frame):
    """Return the reference lips and face boxes of one BGR frame."""
    detector, predictor = _reference_models()
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    faces = np.zeros(gray.shape, bool)
    points = []
    for rect in detector(gray, 1):
        shape = predictor(gray, rect)
        points.append(np.array([(p.x, p.y) for p in shape.parts()], np.int32))
        faces[max(rect.top(), 0):rect.bottom() + 1, max(rect.left(), 0):rect.right() + 1] = True
    return Reference(lips_of(frame.shape, points), faces)


def lips_of(shape, faces):
    """Return the union of the lip masks of every face's landmarks."""
    mask = np.zeros(shape[:2], bool)
    for points in faces:
        mask |= lip_mask(shape, points) > 0
    return mask


def score(frames, finder, references):
    """Run `finder` over the frames as one stream and compare each frame with its reference."""
    track = FaceTrack()
    ious, misses, outside, painted_no_face = [], 0, 0, 0
    for frame, truth in zip(frames, references):
        got = lips_of(frame.shape, finder.find(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), track))
        if (got & ~truth.faces).any():
            outside += 1
        if not truth.lips.any():
            painted_no_face += bool(got.any())
            continue
        iou = float((truth.lips & got).sum() / (truth.lips | got).sum())
        ious.append(iou)
        misses += iou < GOOD_IOU
    return {
        "frames": len(frames), "with_face": len(ious),
        "good_share": round(1 - misses / len(ious), 3) if ious else None,
        "min": round(min(ious), 3) if ious else None,
        "p5": round(pct(ious, 5), 3) if ious else None,
        "mean": round(float(np.mean(ious)), 3) if ious else None,
        "paint_outside_face": outside, "painted_without_face": painted_no_face,
    }


def default_finder(detectors=1):
    """Return the face finder the server builds, with its default settings."""
    return FaceFinder(str(find_landmark_model()), detectors=detectors)
