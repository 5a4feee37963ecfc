"""Find the JPEG inside a blob of bytes by walking its markers from SOI to the real EOI."""

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
_SOS, _EOI = 0xDA, 0xD9
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


class _Malformed(Exception):
    """The bytes do not follow the JPEG marker syntax."""


def _skip_entropy(data, at):
    """Return the index of the first marker after entropy-coded data starting at `at`, or None."""
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return None
        following = data[at + 1]
        # FF 00 is a stuffed FF, FF Dx a restart marker, FF FF fill: all part of the scan.
        if following == 0x00 or following == 0xFF or 0xD0 <= following <= 0xD7:
            at += 1
            continue
        return at


def jpeg_end(data, start=0):
    """Return the index just past the EOI of the JPEG whose SOI is at `start`, or None if cut short."""
    at = start + len(SOI)
    while at + 1 < len(data):
        if data[at] != 0xFF:
            raise _Malformed(f"expected a marker at {at}")
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
        elif marker == _EOI:
            return at + 2
        elif marker in _STANDALONE:
            at += 2
        elif marker == 0xD8:
            raise _Malformed(f"SOI inside a JPEG at {at}")
        else:
            if at + 3 >= len(data):
                return None
            at += 2 + (data[at + 2] << 8 | data[at + 3])  # the segment, skipped whole (EXIF thumbnails too)
            if marker == _SOS:
                at = _skip_entropy(data, at)
                if at is None:
                    return None
    return None


def trim_jpeg(data):
    """Return the whole JPEG that starts at the first SOI of `data`, or None if there is none.

    The end is found by walking the markers, so trailing padding, garbage and EXIF thumbnails
    are all handled, and a frame cut short and glued to something else is refused.
    """
    start = data.find(SOI)
    if start < 0:
        return None
    try:
        end = jpeg_end(data, start)
    except _Malformed:
        return None
    return None if end is None else bytes(data[start:end])
