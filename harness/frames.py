"""Real face frames at the benchmark's sizes, and a moving clip of them."""

import pathlib

import cv2
import numpy as np

FACE = pathlib.Path(__file__).resolve().parent.parent / "data" / "face.jpg"
SIZES = {"320x240": (320, 240), "640x480": (640, 480), "1280x720": (1280, 720)}


def face_at(width, height):
    """Return the face photo fitted to width x height (scaled, edges replicated to fill)."""
    face = cv2.imread(str(FACE))
    scale = min(width / face.shape[1], height / face.shape[0])
    fitted = cv2.resize(face, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    top = (height - fitted.shape[0]) // 2
    left = (width - fitted.shape[1]) // 2
    return cv2.copyMakeBorder(fitted, top, height - fitted.shape[0] - top, left,
                              width - fitted.shape[1] - left, cv2.BORDER_REPLICATE)


def moving_clip(width, height, count=60):
    """Return `count` frames of the face drifting and zooming a little, as a hand-held phone does."""
    base = face_at(width, height)
    frames = []
    for i in range(count):
        phase = 2 * np.pi * i / count
        shift = np.array([0.04 * width * np.sin(phase), 0.03 * height * np.sin(2 * phase)])
        zoom = 1 + 0.06 * np.sin(phase)
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 2 * np.sin(phase), zoom)
        matrix[:, 2] += shift
        frames.append(cv2.warpAffine(base, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE))
    return frames


def jpeg(frame, quality=80):
    """Encode a frame as JPEG bytes, as a browser canvas would."""
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()
