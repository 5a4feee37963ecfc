"""Build MJPEG byte streams the way each firmware writes them, with optional faults, for parser tests."""

import cv2
import numpy as np

ARDUINO = b"123456789000000000000987654321"
CIRCUITPYTHON = b"frame"


def small_jpegs():
    """Return three real JPEGs of odd and square sizes."""
    rng = np.random.default_rng(7)
    shapes = [(45, 67), (64, 64), (31, 90)]
    return [cv2.imencode(".jpg", rng.integers(0, 255, (*shape, 3), dtype=np.uint8))[1].tobytes()
            for shape in shapes]


def part(jpeg, boundary, fault=None, line=b"\r\n"):
    """Return one multipart part; `fault` is None, truncated, long_length, short_length or garbage."""
    body, length = jpeg, len(jpeg)
    if fault == "truncated":
        body = jpeg[:len(jpeg) // 2]
        length = len(body)
    elif fault == "truncated_full_length":
        body = jpeg[:len(jpeg) // 2]
    elif fault == "long_length":
        length += 333
    elif fault == "short_length":
        length -= 333
    prefix = b"\xff\xd8 junk -- \xff\xd9\r\n\r\n" * 3 if fault == "garbage" else b""
    headers = b"Content-Type: image/jpeg" + line + b"Content-Length: %d" % length + line
    if boundary == ARDUINO:
        return prefix + b"\r\n--" + boundary + b"\r\n" + headers + b"X-Timestamp: 1.000001\r\n\r\n" + body
    return prefix + b"--" + boundary + line + headers + line + body + line


def stream(jpegs, boundary, faults=None):
    """Return the parts of `jpegs` joined, each with its fault (None for a clean part)."""
    faults = faults or [None] * len(jpegs)
    return b"".join(part(jpeg, boundary, fault) for jpeg, fault in zip(jpegs, faults))


def chunks(data, cuts):
    """Split `data` at the sorted offsets `cuts`."""
    edges = [0, *sorted(set(c for c in cuts if 0 < c < len(data))), len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]
