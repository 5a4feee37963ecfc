"""Find faces and their 68 landmarks, cheaply enough for every frame and right when they move.

The HOG detector is the expensive part, so it runs on a downscaled copy and only now and
then: every `redetect_every` frames, and whenever a tracked face is lost. In between, each
face is found again by its thumbnail (face_tracking.py) and its landmarks are fitted there;
a fit that disagrees with where the face was found counts as lost. Landmarks always run at
full resolution.

Nothing is done again for a scene that has not moved, judged on the camera's own frame in
coarse cells (face_tracking.CameraCells), before noise or any stage: the detector rests until
a cell moves since its last look, since no face can have come in, and a face whose lips have
not moved keeps its landmarks and its box without a search. A fixed camera on an empty room or
a still sitter then costs little more than the paint, as motion-gated detectors (Frigate's,
for one) do.
"""

import dataclasses
import math
import queue
import threading

import cv2
import dlib
import numpy as np

from .face_tracking import MISSING_FRAMES, CameraCells, TrackedFace, overlap
from .frame import Frame, Gray
from .shared_models import frontal_face_detector, shape_predictor

DETECTOR_WINDOW = 80       # dlib's frontal detector finds faces of at least this many pixels
SMALL_FACE_WIDTH = 512     # the fine search looks at least this wide: 50 px faces at 320x240
MAX_SEARCH_PIXELS = SMALL_FACE_WIDTH * SMALL_FACE_WIDTH * 3 // 4  # ... but never at more pixels
MAX_CENTRE_SHIFT = 0.2     # landmarks further than this (in box widths) from the match: lost
MAX_OUTSIDE = 0.2         # a face further out of the frame than this share of its size is not painted
SAME_FACE = 0.5            # two tracks whose boxes overlap this much have found the same face
# A cell that moves more than this many grey levels since the detector's last look means the
# scene changed; a face coming in moves many by tens, a camera's own noise a cell by under 1.
SCENE_CHANGE = 6
SCENE_REST_FRAMES = 100    # the detector looks after this many frames however still the scene


@dataclasses.dataclass
class FaceTrack:
    """One client's faces between detections."""

    faces: list[TrackedFace] = dataclasses.field(default_factory=list)
    frames_since_detection: int = 1 << 30  # so the first frame is searched
    scene: np.ndarray | None = None  # the camera's still cells when the detector last looked
    scene_age: int = 0               # frames since then

    def looked(self, scene: np.ndarray) -> None:
        """Remember the scene the detector just looked at."""
        self.scene, self.scene_age = scene, 0

    def scene_unchanged(self, scene: np.ndarray) -> bool:
        """Whether the frame is as the detector last saw it: no face can have come in since."""
        return (self.scene is not None and self.scene.shape == scene.shape
                and self.scene_age < SCENE_REST_FRAMES
                and cv2.absdiff(self.scene, scene).max() <= SCENE_CHANGE)


def _rect(box):
    left, top, right, bottom = (int(round(v)) for v in box)
    return dlib.rectangle(left, top, right, bottom)


def _box(rect):
    return np.array([rect.left(), rect.top(), rect.right(), rect.bottom()], float)


class FaceFinder:
    """Detector plus shape predictor, built once and shared by every client."""

    def __init__(self, model_path: str, detect_width: int = 320, redetect_every: int = 10,
                 detectors: int = 2):
        self.predictor = shape_predictor(model_path)  # shared, when the fork server loaded it
        self.detect_width = detect_width
        self.redetect_every = redetect_every
        # The predictor holds the GIL; two threads in it at once run several times slower
        # than taking turns, so it is serialised.
        self._predictor_lock = threading.Lock()
        # dlib's object_detector keeps scratch state while it scans: one instance used by two
        # threads at once corrupts memory (two workers sharing one crashed the server). So
        # there is one per worker, built here (about 0.8 s each) and lent out per call; the
        # detector releases the GIL, so workers really do detect in parallel.
        self._detectors: queue.Queue[dlib.fhog_object_detector] = queue.Queue()
        for _ in range(max(1, detectors)):
            self._detectors.put(frontal_face_detector())

    def _run_detector(self, gray):
        detector = self._detectors.get()
        try:
            return detector(gray, 0)
        finally:
            self._detectors.put(detector)

    def _scale(self, width, smallest_face=None):
        """Return the detection scale: the coarse one, or enough to see `smallest_face` px wide."""
        coarse = min(1.0, self.detect_width / width) if self.detect_width else 1.0
        if smallest_face is None:
            return coarse
        fine = max(1.0, SMALL_FACE_WIDTH / width)
        return float(np.clip(DETECTOR_WINDOW * 1.1 / smallest_face, coarse, fine))

    def detect(self, gray: Gray, scale: float = 1.0) -> list[np.ndarray]:
        """Return face boxes (left, top, right, bottom) found in `gray` resized by `scale`."""
        height, width = gray.shape[:2]
        if scale > 1.0:
            # Upscaling is for small faces in small frames; a strip of 2 x 10000 pixels scaled
            # to 512 wide would be 2.6 G pixels. The search never looks at more than this.
            scale = min(scale, max(1.0, math.sqrt(MAX_SEARCH_PIXELS / (width * height))))
        if min(width, height) * scale < DETECTOR_WINDOW:
            return []  # no face the detector can find fits in this frame
        if scale != 1.0:
            interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
            # At least one pixel each way: a 10000x2 frame scaled to 320 wide would be 0 rows.
            size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
            gray = cv2.resize(gray, size, interpolation=interpolation)
        return [_box(r) / scale for r in self._run_detector(gray)]

    def landmarks(self, gray: Gray, box: np.ndarray) -> np.ndarray:
        """Return the 68 landmarks inside `box` as a (68, 2) int array."""
        with self._predictor_lock:
            shape = self.predictor(gray, _rect(box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.int32)

    def find(self, gray: Gray, track: FaceTrack,
             camera: Frame | Gray | None = None) -> list[np.ndarray]:
        """Return the landmarks of every face in `gray`, updating the client's `track`.

        `camera` is the frame as the camera gave it, before noise or any stage: stillness is
        judged there (`gray` itself when not given).
        """
        track.frames_since_detection += 1
        cells = CameraCells(gray if camera is None else camera)
        if self.redetect_every <= 1:  # no memory between frames: the seed's way
            track.faces = self._detected(gray, cells, self.detect(gray, self._scale(gray.shape[1])))
        else:
            seen, missing, lost = self._follow(gray, cells, track.faces)
            # While a face is missing (covered, or just out of the frame) the detector looks
            # more often, so it is picked up as soon as it shows again. Faces close together
            # may cover each other: then only what the detector still sees is painted.
            crowded = _crowded(seen)
            every = 1 if missing else self.redetect_every
            due = crowded or track.frames_since_detection >= every
            track.scene_age += 1
            wanted = lost or due or not seen
            # A face just lost, or faces crossing, need the detector's word whatever moved.
            resting = (wanted and not (lost or crowded)
                       and track.scene_unchanged(cells.everywhere()))
            if wanted and not resting:
                track.faces = self._redetect(gray, cells, seen, missing, lost, due, confirm=crowded)
                track.looked(cells.everywhere())
            else:
                track.faces = seen + missing
            if lost or due:  # the periodic look, taken or found needless: the next is due later
                track.frames_since_detection = 0
        # A face mostly out of the frame is still followed, but its landmarks there are guesses.
        return [face.points for face in track.faces
                if not face.missing and _inside(face.box, gray.shape)]

    def _follow(self, gray, cells, faces):
        """Move each face to where it is now; return those seen, those missing, and widths just lost."""
        seen, missing, lost = [], [], []

        def claimed(box):  # a box on a face already seen is that face again, not this one
            return any(overlap(box, other.box) > SAME_FACE for other in seen)

        for face in sorted(faces, key=lambda face: face.missing):  # the visible claim first
            # Lips that did not move keep their landmarks and their box, with no search: the
            # search is for where a face went, and painted lips are what is seen of it.
            if not face.missing and not claimed(face.box) and face.keep_if_still(cells):
                seen.append(face)
                continue
            box = face.relocate(gray)
            if box is not None and not claimed(box):
                points = self.landmarks(gray, box)
                if _fits(face, box, points):
                    face.follow(points, gray, cells)
                    if face.still_itself():
                        seen.append(face)
                        continue
            if not face.missing:
                lost.append(face.box[2] - face.box[0])
            face.missing += 1
            if face.missing <= MISSING_FRAMES:
                missing.append(face)
        return seen, missing, lost

    def _redetect(self, gray, cells, seen, missing, lost, due, confirm=False):
        """Detect faces and merge them with the faces tracked: a detection replaces its match.

        With `confirm`, a tracked face the detector does not find is counted missing.
        """
        width = gray.shape[1]
        # Look at a scale that sees every face tracked, a lost one even 20 % smaller (a face
        # below the detector's window comes back as a poor, too-large box); a periodic search
        # with nothing in view looks fine enough for small faces too.
        widths = [lost_width * 0.8 for lost_width in lost] + [face.box[2] - face.box[0] for face in seen]
        smallest = min(widths) if widths else (width * 0.1 if due else None)
        tracked, visible = seen + missing, list(seen)
        for box in self.detect(gray, self._scale(width, smallest)):
            match = max(tracked, key=lambda face: overlap(face.box, box), default=None)
            if match is not None and overlap(match.box, box) > 0.3:
                tracked.remove(match)  # the detector's box is the better start for landmarks
                if match in visible:
                    visible.remove(match)
            visible.extend(self._detected(gray, cells, [box]))
        if confirm:
            for face in [face for face in visible if face in seen]:
                visible.remove(face)
                face.missing = 1
        # As many faces as were tracked are in view again: the missing ones moved, not hid.
        ghosts = [face for face in tracked if face.missing]
        return visible + ghosts[:max(0, len(seen) + len(missing) - len(visible))]

    def _detected(self, gray, cells, boxes):
        return [TrackedFace.calibrate(box, self.landmarks(gray, box), gray, cells) for box in boxes]


def _fits(face, box, points):
    """Whether landmarks fitted in `box` sit where the face was found (a stale box fits badly)."""
    spread = max(float(points.astype(float).std(axis=0).mean()), 1.0)
    centre = points.mean(axis=0) + face.offset * spread
    width = box[2] - box[0]
    size = face.size[0] * spread
    return (np.abs(centre - (box[:2] + box[2:]) / 2).max() <= MAX_CENTRE_SHIFT * width
            and 0.7 <= size / width <= 1.4)


def _crowded(faces):
    """Whether two faces are near enough (their boxes, doubled, overlap) that one may cover the other."""
    grown = [np.concatenate([face.box[:2] - (face.box[2:] - face.box[:2]) / 2,
                             face.box[2:] + (face.box[2:] - face.box[:2]) / 2]) for face in faces]
    return any(overlap(a, b) > 0 for i, a in enumerate(grown) for b in grown[i + 1:])


def _inside(box, shape):
    """Whether a face's box is in the frame, give or take MAX_OUTSIDE of its size on each side."""
    size = np.tile(box[2:] - box[:2], 2)
    outside = np.concatenate([-box[:2], box[2:] - (shape[1], shape[0])]) / size
    return outside.max() <= MAX_OUTSIDE
