"""The shipped face photo, encodings of it, and colour measurements used by the tests."""

import base64
import functools
import pathlib

import cv2
import dlib
import numpy as np

from pipeline import find_landmark_model
from pipeline.lips import lip_mask

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
FACE_JPEG = DATA / "face.jpg"


def face_jpeg():
    """Return the shipped 640x480 face photo as JPEG bytes."""
    return FACE_JPEG.read_bytes()


def face_frame():
    """Return the shipped face photo as a BGR frame."""
    return cv2.imread(str(FACE_JPEG))


def jpeg(frame, quality=90):
    """Encode a frame as JPEG bytes."""
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def data_url(jpeg_bytes):
    """Wrap JPEG bytes in a data URL, as a browser's canvas.toDataURL does."""
    return "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes).decode("ascii")


def decode(payload):
    """Decode a response (data URL or bytes) into a BGR frame."""
    if isinstance(payload, str):
        payload = base64.b64decode(payload.split(",", 1)[1])
    return cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)


@functools.lru_cache(maxsize=1)
def _dlib_models():
    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(find_landmark_model()))


def reference_lip_masks(frame):
    """Return (lips, mouth_opening) masks found by dlib at full resolution, independently of the pipeline."""
    detector, predictor = _dlib_models()
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    lips = np.zeros(gray.shape, np.uint8)
    mouth = np.zeros(gray.shape, np.uint8)
    for rect in detector(gray, 0):
        shape = predictor(gray, rect)
        points = np.array([(p.x, p.y) for p in shape.parts()], np.int32)
        lips |= lip_mask(frame.shape, points)
        cv2.fillPoly(mouth, [points[60:68]], 255)
    return lips > 0, mouth > 0


def redness(frame, mask):
    """Return the mean of R - (G + B) / 2 over the masked pixels."""
    pixels = frame[mask].astype(np.float32)
    return float(np.mean(pixels[:, 2] - (pixels[:, 0] + pixels[:, 1]) / 2))
