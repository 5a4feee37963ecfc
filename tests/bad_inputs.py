"""A handcrafted corpus of bad inputs, by kind, for the soak test."""

import struct
import zlib

import cv2

from . import crafted_images as crafted
from .images import data_url, face_frame, face_jpeg

FRAME = "image"


def _patched(data, offset, fmt, *values):
    return data[:offset] + struct.pack(fmt, *values) + data[offset + struct.calcsize(fmt):]


def _png_bomb():
    png = cv2.imencode(".png", face_frame()[:8, :8])[1].tobytes()
    png = _patched(png, 16, ">II", 50000, 50000)
    return _patched(png, 29, ">I", zlib.crc32(png[12:29]))


def _jpeg_bomb():
    jpeg = face_jpeg()
    return _patched(jpeg, jpeg.find(b"\xff\xc0") + 5, ">HH", 65000, 65000)


def corpus():
    """Return {kind: (event, payload)}: every entry must be answered with an error."""
    jpeg = face_jpeg()
    png = cv2.imencode(".png", face_frame()[:40, :40])[1].tobytes()
    return {
        "empty bytes": (FRAME, b""),
        "empty string": (FRAME, ""),
        "plain text": (FRAME, "hello there"),
        "data url, wrong type": (FRAME, "data:text/plain;base64,aGVsbG8="),
        "data url, no base64 mark": (FRAME, "data:image/jpeg," + "A" * 40),
        "data url, broken base64": (FRAME, "data:image/jpeg;base64,@@@!!!"),
        "data url, bad padding": (FRAME, "data:image/jpeg;base64,QUJDRA="),
        "data url, empty": (FRAME, "data:image/jpeg;base64,"),
        "data url, truncated jpeg": (FRAME, data_url(jpeg[: len(jpeg) // 3])),
        "truncated jpeg": (FRAME, jpeg[: len(jpeg) // 2]),
        "jpeg header only": (FRAME, jpeg[:200]),
        "truncated png": (FRAME, png[: len(png) // 2]),
        "gif": (FRAME, b"GIF89a" + b"\x00" * 64),
        "random bytes": (FRAME, bytes(range(256)) * 4),
        "png bomb": (FRAME, _png_bomb()),
        "jpeg bomb": (FRAME, _jpeg_bomb()),
        "number": (FRAME, 12345),
        "dict": (FRAME, {"frame": "x"}),
        "none": (FRAME, None),
        "list": (FRAME, [1, 2, 3]),
        "bool": (FRAME, True),
        "oversize bytes": (FRAME, b"\xff\xd8" + b"\x00" * (4 * 1024 * 1024 + 10)),
        "settings, unknown key": ("settings", {"sharpen": 3}),
        "settings, bad value": ("settings", {"kernel_size": 8}),
        "settings, wrong type": ("settings", ["kernel_size", 3]),
        "settings, bad colour": ("settings", {"lip_color": "javascript:alert(1)"}),
        "watch, unknown source": ("watch", {"source": "no-such-camera"}),
        "watch, unhashable name": ("watch", {"source": ["a", "list"]}),
        "status, bad state": ("source_status", {"state": "on fire"}),
        # Frames crafted to mislead a header parser, and values that once raised or slipped through.
        "stray byte before SOF": (FRAME, crafted.stray_byte_before_sof()),
        "two SOF markers": (FRAME, crafted.two_sofs()),
        "progressive, declaring 8000x8000": (FRAME, crafted.progressive_declaring()),
        "5000 scans": (FRAME, crafted.many_scans()),
        "png, lying IHDR": (FRAME, crafted.png_lying_ihdr()),
        "settings, infinite kernel": ("settings", {"kernel_size": float("inf")}),
        "settings, NaN noise": ("settings", {"noise_amount": float("nan")}),
        "settings, colour with a newline": ("settings", {"lip_color": "#d0103a\n"}),
        "share, not a bool": ("share", {"shared": "yes"}),
    }


# Inputs the soak sends only a few times: they are big, and one proves the point.
RARE = {"oversize bytes", "png bomb", "jpeg bomb"}
