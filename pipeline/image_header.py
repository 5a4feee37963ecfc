"""Read an image's format and size from its header, without decoding pixels.

Checking the size first stops a tiny file that claims to be enormous (a
decompression bomb) before the decoder allocates memory for it.
"""

import struct

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOI = b"\xff\xd8"
JPEG_EOI = b"\xff\xd9"
# Start-of-frame markers carry the size; C4, C8 and CC are other segments.
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def sniff(data):
    """Return (format, width, height, complete) for JPEG or PNG bytes, or None if neither."""
    if data.startswith(PNG_SIGNATURE):
        return _sniff_png(data)
    if data.startswith(JPEG_SOI):
        return _sniff_jpeg(data)
    return None


def _sniff_png(data):
    if len(data) < 24 or data[12:16] != b"IHDR":
        return "png", 0, 0, False
    width, height = struct.unpack(">II", data[16:24])
    return "png", width, height, b"IEND" in data[-12:]


def _sniff_jpeg(data):
    width = height = 0
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in _JPEG_SOF and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            break
        if marker == 0xDA:  # start of scan before any size: malformed
            break
        pos += 2 + length
    # Cameras sometimes pad after the end marker; anything else means a cut-off file.
    complete = data.rstrip(b"\x00\r\n ").endswith(JPEG_EOI)
    return "jpeg", width, height, complete
