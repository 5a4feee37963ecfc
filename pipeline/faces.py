"""Find faces and their 68 landmarks, cheaply enough for every frame.

The HOG detector is the expensive part, so it runs on a downscaled copy and
only every few frames; in between, each face's box follows its own landmarks
from the previous frame. Landmarks always run at full resolution.
"""

import dataclasses
import threading

import cv2
import dlib
import numpy as np


@dataclasses.dataclass
class TrackedFace:
    """A face box plus how it related to its landmarks when it was last detected."""

    box: np.ndarray          # left, top, right, bottom at full resolution, float
    offset: np.ndarray       # box centre minus landmark centroid, in units of landmark spread
    size: np.ndarray         # box width and height, in units of landmark spread


@dataclasses.dataclass
class FaceTrack:
    """One client's faces between detections."""

    faces: list = dataclasses.field(default_factory=list)
    frames_since_detection: int = 1 << 30  # so the first frame is searched


def _rect(box):
    left, top, right, bottom = (int(round(v)) for v in box)
    return dlib.rectangle(left, top, right, bottom)


def _box(rect):
    return np.array([rect.left(), rect.top(), rect.right(), rect.bottom()], float)


def _spread(points):
    return max(float(points.std(axis=0).mean()), 1.0)


class FaceFinder:
    """Detector plus shape predictor, built once and shared by every client."""

    def __init__(self, model_path, detect_width=320, redetect_every=5):
        self.detector = dlib.get_frontal_face_detector()
        self.predictor = dlib.shape_predictor(str(model_path))
        self.detect_width = detect_width
        self.redetect_every = redetect_every
        # The predictor holds the GIL; two threads in it at once run several times slower
        # than taking turns, so it is serialised. The detector releases the GIL and is not.
        self._predictor_lock = threading.Lock()

    def detect(self, gray):
        """Return face boxes (left, top, right, bottom), searching a downscaled copy first."""
        scale = min(1.0, self.detect_width / gray.shape[1]) if self.detect_width else 1.0
        if scale < 1.0:
            small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            found = self.detector(small, 0)
            if found:
                return [_box(r) / scale for r in found]
        # Faces too small to survive the downscale (or a wide multi-face frame) need full size.
        return [_box(r) for r in self.detector(gray, 0)]

    def landmarks(self, gray, box):
        """Return the 68 landmarks inside `box` as a (68, 2) int array."""
        with self._predictor_lock:
            shape = self.predictor(gray, _rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.int32)

    def find(self, gray, track):
        """Return the landmarks of every face in `gray`, updating the client's `track`."""
        # With no face in view the search also waits its turn, so an empty scene stays cheap.
        if track.frames_since_detection >= self.redetect_every:
            track.faces = [self._start_tracking(gray, box) for box in self.detect(gray)]
            track.frames_since_detection = 0
        track.frames_since_detection += 1
        all_points = []
        for face in track.faces:
            points = self.landmarks(gray, face.box)
            all_points.append(points)
            self._follow(face, points)
        return all_points

    def _start_tracking(self, gray, box):
        points = self.landmarks(gray, box).astype(float)
        spread = _spread(points)
        centre = (box[:2] + box[2:]) / 2
        return TrackedFace(box, (centre - points.mean(axis=0)) / spread, (box[2:] - box[:2]) / spread)

    @staticmethod
    def _follow(face, points):
        """Move the face's box to where its landmarks now are, keeping the detected framing."""
        spread = _spread(points.astype(float))
        centre = points.mean(axis=0) + face.offset * spread
        half = face.size * spread / 2
        face.box = np.concatenate([centre - half, centre + half])
