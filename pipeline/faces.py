"""Find faces and their 68 landmarks, cheaply enough for every frame.

The HOG detector is the expensive part, so it runs on a downscaled copy and
only every few frames; in between, each face's box follows its own landmarks
from the previous frame. Landmarks always run at full resolution.
"""

import dataclasses
import queue
import threading

import cv2
import dlib
import numpy as np


@dataclasses.dataclass
class TrackedFace:
    """A face's landmarks and a box that follows them, framed as the detector framed it."""

    box: np.ndarray          # left, top, right, bottom at full resolution, float
    points: np.ndarray       # the 68 landmarks found in the latest frame
    offset: np.ndarray       # box centre minus landmark centroid, in units of landmark spread
    size: np.ndarray         # box width and height, in units of landmark spread

    @classmethod
    def calibrate(cls, box, points):
        """Start tracking a detected face: remember how its box sits around its landmarks."""
        spread = _spread(points)
        centre = (box[:2] + box[2:]) / 2
        return cls(box, points, (centre - points.mean(axis=0)) / spread,
                   (box[2:] - box[:2]) / spread)

    def follow(self, points):
        """Take this frame's landmarks and move the box to where the next frame will look."""
        self.points = points
        spread = _spread(points)
        centre = points.mean(axis=0) + self.offset * spread
        half = self.size * spread / 2
        self.box = np.concatenate([centre - half, centre + half])


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
    return max(float(points.astype(float).std(axis=0).mean()), 1.0)


class FaceFinder:
    """Detector plus shape predictor, built once and shared by every client."""

    def __init__(self, model_path, detect_width=320, redetect_every=10, detectors=2):
        self.predictor = dlib.shape_predictor(str(model_path))
        self.detect_width = detect_width
        self.redetect_every = redetect_every
        # The predictor holds the GIL; two threads in it at once run several times slower
        # than taking turns, so it is serialised.
        self._predictor_lock = threading.Lock()
        # dlib's object_detector keeps scratch state while it scans: one instance used by two
        # threads at once corrupts memory (two workers sharing one crashed the server). So
        # there is one per worker, built here (about 0.8 s each) and lent out per call; the
        # detector releases the GIL, so workers really do detect in parallel.
        self._detectors = queue.Queue()
        for _ in range(max(1, detectors)):
            self._detectors.put(dlib.get_frontal_face_detector())

    def _run_detector(self, gray):
        detector = self._detectors.get()
        try:
            return detector(gray, 0)
        finally:
            self._detectors.put(detector)

    def detect(self, gray, full_size_fallback=True):
        """Return face boxes (left, top, right, bottom), searching a downscaled copy first."""
        scale = min(1.0, self.detect_width / gray.shape[1]) if self.detect_width else 1.0
        if scale < 1.0:
            small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            found = self._run_detector(small)
            if found or not full_size_fallback:
                return [_box(r) / scale for r in found]
        # Faces too small to survive the downscale (or a wide multi-face frame) need full size.
        return [_box(r) for r in self._run_detector(gray)]

    def landmarks(self, gray, box):
        """Return the 68 landmarks inside `box` as a (68, 2) int array."""
        with self._predictor_lock:
            shape = self.predictor(gray, _rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.int32)

    def find(self, gray, track):
        """Return the landmarks of every face in `gray`, updating the client's `track`."""
        track.frames_since_detection += 1
        due = track.frames_since_detection >= self.redetect_every
        if due or not track.faces:
            # With no face in view the cheap downscaled search runs every frame, so a face
            # is picked up at once; the costly full-size search waits its turn.
            boxes = self.detect(gray, full_size_fallback=due)
            if boxes or due:
                track.frames_since_detection = 0
                track.faces = [TrackedFace.calibrate(box, self.landmarks(gray, box))
                               for box in boxes]
                return [face.points for face in track.faces]
        for face in track.faces:
            face.follow(self.landmarks(gray, face.box))
        return [face.points for face in track.faces]
