"""Split an MJPEG (multipart/x-mixed-replace) byte stream into JPEG frames, however it is chunked.

Pure: no sockets, no threads. Parts are cut by Content-Length when it fits the data, else at the
next boundary; without a boundary (or if none is ever seen) frames are cut at SOI/EOI markers.
Garbage between parts is skipped, and a network chunk is never taken to be a frame.
"""

import logging
import re

from protocol import MAX_FRAME_BYTES

from .jpeg import EOI, SOI, trim_jpeg

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 8 * 1024
_BOUNDARY = re.compile(r'boundary\s*=\s*"?([^";,\s]+)"?', re.IGNORECASE)


def boundary_from_content_type(content_type):
    """Return the multipart boundary named in a Content-Type header as bytes, or None."""
    match = _BOUNDARY.search(content_type or "")
    return match.group(1).encode("latin-1") if match else None


def _parse_headers(block):
    headers = {}
    for line in block.split(b"\n"):
        name, sep, value = line.partition(b":")
        if sep:
            headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    return headers


class MjpegParser:
    """Feed bytes as they arrive; get back each complete JPEG found, in order."""

    def __init__(self, boundary=None, max_frame_bytes=MAX_FRAME_BYTES):
        # Some firmwares repeat the dashes in the header ("boundary=--frame"); the line is "--" + it
        # either way, and searching for the shorter form finds both.
        self.delimiter = b"--" + boundary.lstrip(b"-") if boundary else None
        self.max_frame_bytes = max_frame_bytes
        self.frames = 0         # JPEGs returned
        self.bad_parts = 0      # parts dropped: truncated, oversized, or with no JPEG inside
        self.skipped_bytes = 0  # bytes outside any part: garbage, padding, CRLFs
        self._buf = bytearray()
        self._out = []
        self._length = None     # Content-Length of the part being read
        self._scan_from = 0     # resume point of a search, so tiny chunks cost no rescans
        self._unframed = 0      # bytes skipped since the last delimiter
        self._state = self._seek_delimiter if self.delimiter else self._seek_soi

    def __repr__(self):
        return (f"MjpegParser(delimiter={self.delimiter!r}, frames={self.frames}, "
                f"bad_parts={self.bad_parts}, skipped_bytes={self.skipped_bytes})")

    def feed(self, data):
        """Add received bytes; return the list of JPEGs they completed."""
        self._buf += data
        while self._state():
            pass
        out, self._out = self._out, []
        return out

    def _consume(self, count, skipped=False):
        del self._buf[:count]
        self._scan_from = 0
        if skipped:
            self.skipped_bytes += count
            self._unframed += count

    def _emit(self, frame):
        self.frames += 1
        self._out.append(frame)

    def _drop_part(self):
        self.bad_parts += 1
        self._unframed = 0  # the part began with a boundary, so the stream does use one
        self._state = self._seek_delimiter if self.delimiter else self._seek_soi

    # States: each returns True when it made progress, False when it needs more bytes.

    def _seek_delimiter(self):
        buf, delim = self._buf, self.delimiter
        at = buf.find(delim)
        if at < 0:
            if self._unframed + len(buf) > self.max_frame_bytes:
                # Keep the buffer: the frames in it are found by their markers instead.
                log.warning("no %r boundary in %d bytes; cutting frames at JPEG markers",
                            delim.decode("latin-1"), self._unframed + len(buf))
                self.delimiter, self._state = None, self._seek_soi
                return True
            self._consume(max(0, len(buf) - len(delim) + 1), skipped=True)
            return False
        end_of_line = buf.find(b"\n", at + len(delim))
        if end_of_line < 0:
            self._consume(at, skipped=True)
            return False
        rest = bytes(buf[at + len(delim):end_of_line]).strip()
        self._consume(end_of_line + 1, skipped=True)
        if rest in (b"", b"--"):  # "--" closes the multipart; a camera may still send more
            self._unframed = 0
            self._state = self._read_headers if rest == b"" else self._seek_delimiter
        return True

    def _read_headers(self):
        buf = self._buf
        if buf.startswith(SOI):  # no header block at all: tolerated
            block, body_at = b"", 0
        elif buf.startswith(b"\r\n") or buf.startswith(b"\n"):
            block, body_at = b"", buf.index(b"\n") + 1
        else:
            ends = [(i, len(s)) for s in (b"\r\n\r\n", b"\n\n") if (i := buf.find(s)) >= 0]
            if not ends:
                if len(buf) > MAX_HEADER_BYTES:
                    self._drop_part()
                    return True
                return False
            at, size = min(ends)
            block, body_at = bytes(buf[:at]), at + size
        if self.delimiter in block:  # lost sync inside garbage: restart at the later boundary
            self._consume(block.index(self.delimiter), skipped=True)
            self._drop_part()
            return True
        length = _parse_headers(block).get("content-length", "")
        self._length = int(length) if length.isdigit() and 0 < int(length) <= self.max_frame_bytes else None
        self._consume(body_at)
        self._state = self._body_by_length if self._length else self._body_by_delimiter
        return True

    def _body_by_length(self):
        buf, delim = self._buf, self.delimiter
        if len(buf) < self._length:
            # A boundary before Content-Length bytes means the length is wrong (or the part cut short).
            if buf.find(delim, self._scan_from) >= 0:
                self._state = self._body_by_delimiter
                return True
            self._scan_from = max(0, len(buf) - len(delim) + 1)
            return False
        candidate = bytes(buf[:self._length])
        frame = trim_jpeg(candidate) if candidate.startswith(SOI) and delim not in candidate else None
        if frame is None:  # Content-Length does not fit the data: trust the next boundary instead
            self._state = self._body_by_delimiter
            return True
        self._consume(self._length)
        self._emit(frame)
        self._state = self._seek_delimiter
        return True

    def _body_by_delimiter(self):
        buf, delim = self._buf, self.delimiter
        at = buf.find(delim, self._scan_from)
        if at < 0:
            if len(buf) > self.max_frame_bytes:
                self._consume(len(buf) - len(delim) + 1, skipped=True)
                self._drop_part()
                return True
            self._scan_from = max(0, len(buf) - len(delim) + 1)
            return False
        frame = trim_jpeg(buf[:at])
        self._consume(at)
        if frame is None:
            self._drop_part()
        else:
            self._emit(frame)
            self._state = self._seek_delimiter
        return True

    def _seek_soi(self):
        buf = self._buf
        start = buf.find(SOI)
        if start < 0:
            self._consume(max(0, len(buf) - 1), skipped=True)
            return False
        if start:
            self._consume(start, skipped=True)
        begin = max(len(SOI), self._scan_from)
        end = buf.find(EOI, begin)
        # A second SOI before any EOI means the first frame was cut short: start over there.
        restart = buf.find(SOI, begin, end if end >= 0 else len(buf))
        if restart >= 0:
            self._consume(restart, skipped=True)
            self.bad_parts += 1
            return True
        if end < 0:
            if len(buf) > self.max_frame_bytes:
                self._consume(len(SOI), skipped=True)
                self.bad_parts += 1
                return True
            self._scan_from = max(len(SOI), len(buf) - 1)
            return False
        self._emit(bytes(buf[:end + len(EOI)]))
        self._consume(end + len(EOI))
        return True
