"""Frames crafted to mislead a header parser: each builder returns image bytes."""

import struct
import zlib

import cv2

from .images import face_frame, jpeg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _patched(data, offset, fmt, *values):
    return data[:offset] + struct.pack(fmt, *values) + data[offset + struct.calcsize(fmt):]


def _sof(data):
    return data.find(b"\xff\xc0")


def small_jpeg(side=16):
    """A tiny baseline JPEG of the face."""
    return jpeg(face_frame()[:side, :side])


def declaring(data, width, height):
    """Return `data` with its SOF declaring `width` x `height`."""
    return _patched(data, _sof(data) + 5, ">HH", height, width)


def stray_byte_before_sof(width=8000, height=8000):
    """A 600-byte JPEG declaring `width` x `height`, with one stray byte before its SOF."""
    data = declaring(small_jpeg(), width, height)
    return data[:_sof(data)] + b"\x00" + data[_sof(data):]


def two_sofs(width=8000, height=8000):
    """A JPEG with a second SOF, declaring `width` x `height`, right after its real one."""
    data = small_jpeg()
    start = _sof(data)
    length = struct.unpack(">H", data[start + 2:start + 4])[0]
    second = declaring(data[start:start + 2 + length], width, height)
    return data[:start + 2 + length] + second + data[start + 2 + length:]


def app_segments_of_odd_lengths(hide_width=8000, hide_height=8000):
    """A real JPEG with APP segments of odd, empty and SOF-lookalike contents before its SOF."""
    data = jpeg(face_frame())
    fake_sof = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", hide_height, hide_width)
    segments = b"".join(b"\xff" + bytes([0xE0 + n]) + struct.pack(">H", 2 + len(body)) + body
                        for n, body in ((3, b""), (4, b"x"), (5, b"odd"), (6, fake_sof + b"\x01")))
    return data[:2] + segments + data[2:]


def progressive(frame=None):
    """A progressive JPEG of `frame` (the face by default)."""
    frame = face_frame() if frame is None else frame
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()


def progressive_declaring(width=8000, height=8000):
    """A progressive JPEG whose SOF2 declares `width` x `height`."""
    data = progressive(face_frame()[:16, :16])
    start = data.find(b"\xff\xc2")
    return _patched(data, start + 5, ">HH", height, width)


def many_scans(count=5000):
    """A progressive JPEG whose last scan is repeated `count` times."""
    data = progressive(face_frame()[:16, :16])
    last = data.rfind(b"\xff\xda")
    return data[:last] + data[last:-2] * count + data[-2:]


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width, height, rows_data):
    """A PNG whose IHDR says `width` x `height` (RGB, 8 bit) over `rows_data` (deflated as is)."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return PNG_SIGNATURE + header + _chunk(b"IDAT", rows_data) + _chunk(b"IEND", b"")


def png_lying_ihdr(width=50000, height=50000):
    """A 16x16 PNG whose IHDR declares `width` x `height`."""
    rows = b"".join(b"\x00" + bytes(16 * 3) for _ in range(16))
    return png(width, height, zlib.compress(rows))


def png_huge_idat(width=64, height=64, inflated=1 << 28):
    """A small PNG whose IDAT inflates to `inflated` bytes (256 MiB from about 260 kB)."""
    return png(width, height, zlib.compress(bytes(inflated), 1))
