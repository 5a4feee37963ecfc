"""Follow a face from one frame to the next without running the detector.

A face moved by the time the next frame arrives (at 6 FPS that is a sixth of a second of
head motion). Each tracked face keeps a small thumbnail of itself; the next frame is
searched for it with normalised cross-correlation at three scales around the last box.
The best match says where the box went and how sure that is; a poor match means the face
was lost (it left, jumped too far or was covered), and the caller detects afresh.

A face whose lips have not moved keeps its landmarks and its box, and is not searched for.
Stillness is judged on the camera's own frame (before noise or any stage), shrunk to cells of
STILL_CELL pixels: while the cells under the lips stay within LIPS_STILL grey levels of how
they were when the landmarks were fitted, the lips are where they were, and a new fit would
only add the predictor's jitter (1-2 px on the lips of a still face under the default noise).
"""

import dataclasses

import cv2
import numpy as np

from .frame import Frame, Gray
from .lips import lip_box

THUMB = 24               # thumbnail width and height, in pixels
SEARCH_MARGIN = 0.75     # the search reaches this many box widths beyond the last box
SCALES = (1.0, 0.85, 1.18)
STILL = 0.97             # correlation with the last look in the same place: the face did not move
SURE_MATCH = 0.9         # a match this good at one scale needs no other scale tried
MIN_MATCH = 0.8          # correlation below this means the face is no longer there
MAX_REACH = 3            # a missing face's search grows by SEARCH_MARGIN a frame, up to this many
MISSING_FRAMES = 30      # a face missing this long is forgotten
MIN_LIKENESS = 0.6       # correlation with the face as detected, below which it drifted
MAX_GROWTH = 1.3         # change of size since detection, either way, beyond which it drifted
MIN_CONTRAST = 0.6       # a match's contrast against the face's own, and the inverse
STILL_CELL = 8           # stillness is judged on the camera's frame in cells this many pixels wide
# A cell under the lips that moves by more than this many grey levels means they moved. Moving
# a face 1 px moves its lips' 8 px cells by 9 grey levels or more (320x240 and 640x480); a
# camera's own noise, averaged over a cell, by well under 1.
LIPS_STILL = 3
KEEP_FRAMES = 30         # kept landmarks are fitted afresh after this many frames, still or not


@dataclasses.dataclass(eq=False)  # faces are compared by identity, not by their arrays
class TrackedFace:
    """A face's landmarks, its box, and how that box sits around the landmarks."""

    box: np.ndarray          # left, top, right, bottom at full resolution, float
    points: np.ndarray       # the 68 landmarks found in the latest frame, (68, 2) int32 (x, y)
    offset: np.ndarray       # box centre minus landmark centroid, in units of landmark spread
    size: np.ndarray         # box width and height, in units of landmark spread
    thumb: np.ndarray | None = None  # the face as it last looked, THUMB x THUMB float32
    anchor: np.ndarray | None = None  # the thumbnail when it was last detected, against slow drift
    anchor_width: float = 0.0
    missing: int = 0          # frames since it was last seen (covered, or out of the frame)
    lips_look: np.ndarray | None = None  # the still cells under the lips when `points` were fitted
    kept: int = 0             # frames `points` have been kept since

    @classmethod
    def calibrate(cls, box: np.ndarray, points: np.ndarray, gray: Gray,
                  camera: "CameraCells") -> "TrackedFace":
        """Start tracking a detected face: remember how its box sits around its landmarks."""
        spread = _spread(points)
        centre = (box[:2] + box[2:]) / 2
        face = cls(box, points, (centre - points.mean(axis=0)) / spread,
                   (box[2:] - box[:2]) / spread)
        face.thumb = face.anchor = _thumbnail(gray, box)
        face.anchor_width = float(box[2] - box[0])
        face.lips_look = camera.under_lips(points)
        return face

    def follow(self, points: np.ndarray, gray: Gray, camera: "CameraCells") -> None:
        """Take this frame's landmarks: the box and thumbnail move to where the face now is."""
        self.points = points
        spread = _spread(points)
        centre = points.mean(axis=0) + self.offset * spread
        half = self.size * spread / 2
        self.box = np.concatenate([centre - half, centre + half])
        self.thumb = _thumbnail(gray, self.box)
        self.missing = 0
        self.lips_look, self.kept = camera.under_lips(points), 0

    def keep_if_still(self, camera: "CameraCells") -> bool:
        """Keep the landmarks if the lips have not moved since they were fitted; say whether."""
        if self.lips_look is None or self.kept >= KEEP_FRAMES:
            return False
        look = camera.under_lips(self.points)
        if look.size == 0 or look.shape != self.lips_look.shape:
            return False
        if cv2.absdiff(look, self.lips_look).max() > LIPS_STILL:
            return False
        self.kept += 1
        return True

    def still_itself(self) -> bool:
        """Whether the face still looks like, and is about the size of, the face last detected.

        Each frame's thumbnail follows the last, so a face slowly covered by another could
        be followed off onto the other face; the detected look and size bound that drift.
        """
        score = cv2.matchTemplate(self.thumb, self.anchor, cv2.TM_CCOEFF_NORMED)[0, 0]
        growth = (self.box[2] - self.box[0]) / self.anchor_width
        return score >= MIN_LIKENESS and MAX_GROWTH ** -1 <= growth <= MAX_GROWTH

    def relocate(self, gray: Gray) -> np.ndarray | None:
        """Return the box where this face is in `gray`, or None when it is not found near the last one."""
        # The motion check: a face that has barely moved needs no search.
        here = _thumbnail(gray, self.box)
        if cv2.matchTemplate(here, self.thumb, cv2.TM_CCOEFF_NORMED)[0, 0] >= STILL:
            return self.box
        width = self.box[2] - self.box[0]
        factor = THUMB / width
        # A face missing for a while may have moved on behind what covers it: look wider.
        reach = SEARCH_MARGIN * min(1 + self.missing, MAX_REACH)
        margin = reach * width * max(SCALES)
        area = np.concatenate([self.box[:2] - margin, self.box[2:] + margin]).round().astype(int)
        # Beyond the frame's edge the search area is padded, so a face partly out still matches.
        region = _crop(gray, area)
        if region is None:
            return None
        small = _shrink(region, (max(1, round(region.shape[1] * factor)),
                                 max(1, round(region.shape[0] * factor))))
        ratio = np.array(small.shape[::-1] * 2, float) / np.array(region.shape[::-1] * 2)
        best = (MIN_MATCH, None)
        for zoom in SCALES:  # the same size first: most frames need no other
            side = int(round(THUMB * zoom))
            if side > min(small.shape):
                continue
            template = cv2.resize(self.thumb, (side, side), interpolation=cv2.INTER_LINEAR)
            scores = cv2.matchTemplate(small, template, cv2.TM_CCOEFF_NORMED)
            _, value, _, (x, y) = cv2.minMaxLoc(scores)
            # Correlation ignores contrast, so a near-blank patch can match a face: the
            # match must also have about the face's own contrast.
            if value > best[0] and _similar_contrast(small[y:y + side, x:x + side], template):
                best = (value, np.array([x, y, x + side, y + side], float) / ratio)
            if best[0] >= SURE_MATCH:
                break
        if best[1] is None:
            return None
        return best[1] + np.tile(area[:2], 2)


class CameraCells:
    """The camera's frame as the grey mean of each STILL_CELL-pixel cell, shrunk where asked.

    Only whole cells count, so cell (i, j) starts at pixel (i, j) * STILL_CELL at every size (a
    last strip narrower than a cell is left out), and a region shrinks to the same values as
    the whole frame does there. A frame needs all of it only when the detector may look.
    """

    def __init__(self, frame: Frame | Gray):
        self.frame = frame
        self.rows = max(1, frame.shape[0] // STILL_CELL)
        self.columns = max(1, frame.shape[1] // STILL_CELL)
        self._everywhere: Gray | None = None

    def everywhere(self) -> Gray:
        """Return every cell of the frame, float32."""
        if self._everywhere is None:
            self._everywhere = self._shrunk(0, self.rows, 0, self.columns)
        return self._everywhere

    def under_lips(self, points: np.ndarray) -> Gray:
        """Return the cells under a face's lips as painted (feather included), float32."""
        covered = (self.rows * STILL_CELL, self.columns * STILL_CELL)
        top, bottom, left, right = lip_box(points, covered)
        return self._shrunk(top // STILL_CELL, -(-bottom // STILL_CELL),
                            left // STILL_CELL, -(-right // STILL_CELL))

    def _shrunk(self, top, bottom, left, right):
        if bottom <= top or right <= left:
            return np.zeros((0, 0), np.float32)
        rows = slice(top * STILL_CELL, bottom * STILL_CELL)
        columns = slice(left * STILL_CELL, right * STILL_CELL)
        cells = _shrink(self.frame[rows, columns], (right - left, bottom - top))
        return cv2.cvtColor(cells, cv2.COLOR_BGR2GRAY) if cells.ndim == 3 else cells


def _crop(gray, box):
    """Return gray[box], with whatever lies beyond the frame filled by repeating its edge."""
    height, width = gray.shape
    left, top, right, bottom = (int(round(v)) for v in box)
    inner_top, inner_bottom = max(top, 0), min(bottom, height)
    inner_left, inner_right = max(left, 0), min(right, width)
    if inner_top >= inner_bottom or inner_left >= inner_right:
        return None  # wholly out of the frame
    return cv2.copyMakeBorder(gray[inner_top:inner_bottom, inner_left:inner_right],
                              inner_top - top, bottom - inner_bottom, inner_left - left,
                              right - inner_right, cv2.BORDER_REPLICATE)


def _similar_contrast(patch, template):
    contrast = patch.std() / max(float(template.std()), 1e-3)
    return MIN_CONTRAST <= contrast <= 1 / MIN_CONTRAST


def _shrink(image, size):
    """Return `image` resized to `size` (width, height) as float32, averaging as it shrinks.

    Halving with bilinear sampling averages 2x2 blocks; a chain of halvings then one last
    step is an order of magnitude cheaper than INTER_AREA at an odd ratio.
    """
    while image.shape[1] >= 2 * size[0] and image.shape[0] >= 2 * size[1]:
        image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2),
                           interpolation=cv2.INTER_LINEAR)
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)


def _thumbnail(gray, box):
    crop = _crop(gray, box)
    return np.zeros((THUMB, THUMB), np.float32) if crop is None else _shrink(crop, (THUMB, THUMB))


def _spread(points):
    return max(float(points.astype(float).std(axis=0).mean()), 1.0)


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Return the intersection over union of two boxes (left, top, right, bottom)."""
    inner = np.concatenate([np.maximum(a[:2], b[:2]), np.minimum(a[2:], b[2:])])
    cross = max(inner[2] - inner[0], 0) * max(inner[3] - inner[1], 0)
    union = np.prod(a[2:] - a[:2]) + np.prod(b[2:] - b[:2]) - cross
    return cross / union if union > 0 else 0.0
