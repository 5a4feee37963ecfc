"""Moving-face clips made from the shipped photo: the moves people make in front of a camera.

Each clip is 30 FPS; a sender at a lower rate sees every n-th frame (`at_fps`). Faces are
cut from the photo with a soft oval edge and drawn over a plain backdrop, so they can
leave the frame and two of them can cross.
"""

import functools

import cv2
import numpy as np

from .frames import FACE

CLIP_FPS = 30
BACKDROP_BGR = (150, 160, 170)
# The head in the 640x480 photo (x, y, width, height), and the face's width inside it.
HEAD = (110, 10, 360, 400)
FACE_WIDTH_IN_PHOTO = 185
DEFAULT_FACE_SHARE = 0.3  # face width as a share of the frame's width, as in a selfie


@functools.lru_cache(maxsize=1)
def _sprite():
    """Return the head cut from the photo and its soft oval alpha (float32, 0..1)."""
    x, y, w, h = HEAD
    head = cv2.imread(str(FACE))[y:y + h, x:x + w]
    alpha = np.zeros((h, w), np.float32)
    cv2.ellipse(alpha, (w // 2, h // 2), (w // 2 - 12, h // 2 - 12), 0, 0, 360, 1.0, -1)
    return head, cv2.GaussianBlur(alpha, (0, 0), 6)


def render(width, height, faces):
    """Draw faces, back to front, each a dict of centre (x, y as shares of the frame), share, angle, mirror."""
    head, alpha = _sprite()
    frame = np.empty((height, width, 3), np.float32)
    frame[:] = BACKDROP_BGR
    for face in faces:
        scale = face.get("share", DEFAULT_FACE_SHARE) * width / FACE_WIDTH_IN_PHOTO
        source, weight = (head[:, ::-1], alpha[:, ::-1]) if face.get("mirror") else (head, alpha)
        matrix = cv2.getRotationMatrix2D((head.shape[1] / 2, head.shape[0] / 2),
                                         face.get("angle", 0.0), scale)
        matrix[:, 2] += (face["x"] * width - head.shape[1] / 2, face["y"] * height - head.shape[0] / 2)
        drawn = cv2.warpAffine(np.ascontiguousarray(source), matrix, (width, height))
        cover = cv2.warpAffine(np.ascontiguousarray(weight), matrix, (width, height))[:, :, None]
        frame = frame * (1 - cover) + drawn.astype(np.float32) * cover
    return np.clip(frame, 0, 255).astype(np.uint8)


def _wave(i, count, cycles=1.0):
    return np.sin(2 * np.pi * cycles * i / count)


def _pan(i, n):
    return [{"x": 0.5 + 0.25 * _wave(i, n), "y": 0.5 + 0.05 * _wave(i, n, 2)}]


def _zoom(i, n):
    return [{"x": 0.5, "y": 0.5, "share": DEFAULT_FACE_SHARE * (1 + 0.2 * _wave(i, n))}]


def _turn(i, n):
    return [{"x": 0.5, "y": 0.5, "angle": 15 * _wave(i, n)}]


def _jump(i, n):
    # A third of the frame sideways, every half second, as when the phone is swung.
    return [{"x": (0.33, 0.66)[(i // 15) % 2], "y": 0.5}]


def _leave(i, n):
    # Out to the right and back: off the frame for the middle fifth of the clip.
    return [{"x": 0.5 + 0.8 * max(0.0, _wave(i, n, 0.5)) ** 4, "y": 0.5}]


def _cross(i, n):
    # Two faces pass each other; the second is mirrored and a little smaller.
    t = i / (n - 1)
    return [{"x": 0.8 - 0.6 * t, "y": 0.45, "share": 0.24, "mirror": True},
            {"x": 0.2 + 0.6 * t, "y": 0.55, "share": 0.27}]


def _small(i, n):
    # A face 50 px wide at 320x240, drifting.
    return [{"x": 0.5 + 0.1 * _wave(i, n), "y": 0.5, "share": 50 / 320}]


MOVES = {"pan": _pan, "zoom": _zoom, "turn": _turn, "jump": _jump, "leave": _leave,
         "cross": _cross, "small": _small}


def clip(move, width, height, seconds=4.0):
    """Return the 30 FPS frames of one move at width x height."""
    count = int(seconds * CLIP_FPS)
    return [render(width, height, MOVES[move](i, count)) for i in range(count)]


def at_fps(frames, fps):
    """Return what a sender at `fps` sends of a 30 FPS clip: every n-th frame."""
    return frames[::max(1, round(CLIP_FPS / fps))]
