"""Sources without an ESP32: a webcam, a video file, or JPEG files replayed from disk."""

import logging
import pathlib
import time

import cv2

from ..backoff import Backoff

log = logging.getLogger(__name__)

JPEG_SUFFIXES = {".jpg", ".jpeg"}


def _pace(stop, next_at, period):
    """Sleep until `next_at`; return the next deadline, or None if stopped."""
    now = time.monotonic()
    if stop.wait(max(0.0, next_at - now)):
        return None
    # After a long hiccup start afresh rather than bursting to catch up.
    return max(next_at, now - period) + period


class JpegFilesCamera:
    """Replays a JPEG file, or every JPEG in a folder in name order, at `fps`, looping."""

    def __init__(self, path, fps=10.0, loop=True):
        self.path = pathlib.Path(path)
        self.fps = fps or 10.0
        self.loop = loop
        self.files = []

    def __repr__(self):
        return f"JpegFilesCamera({str(self.path)!r}, fps={self.fps:g})"

    def open(self):
        """List the files now, so an empty or missing folder fails at start-up."""
        if self.path.is_dir():
            self.files = sorted(p for p in self.path.iterdir() if p.suffix.lower() in JPEG_SUFFIXES)
        elif self.path.is_file():
            self.files = [self.path]
        if not self.files:
            raise FileNotFoundError(f"no .jpg/.jpeg files at {self.path}")

    def run(self, slot, stop):
        """Put one file's bytes in `slot` per period (the reader thread's body)."""
        period, next_at = 1.0 / self.fps, time.monotonic()
        while True:
            for path in self.files:
                next_at = _pace(stop, next_at, period)
                if next_at is None:
                    return
                slot.put(path.read_bytes())
            if not self.loop:
                log.info("%s: all %d files sent", self.path, len(self.files))
                return

    def close(self):
        """Nothing to unblock: `run` waits on the stop event."""


class CaptureCamera:
    """An OpenCV capture: a webcam by device number, or a video file (looped, at its own rate)."""

    def __init__(self, target, fps=None, loop=True, jpeg_quality=85, backoff=None):
        self.target = target
        self.is_file = not isinstance(target, int)
        self.fps = fps
        self.loop = loop
        self.jpeg_quality = jpeg_quality
        self.backoff = backoff or Backoff(first=0.5, limit=10.0)

    def __repr__(self):
        return f"CaptureCamera({self.target!r})"

    def open(self):
        """Check that a video file exists; a webcam that is busy is retried instead."""
        if self.is_file and not pathlib.Path(self.target).is_file():
            raise FileNotFoundError(f"no video file at {self.target}")

    def run(self, slot, stop):
        """Read, encode and put frames in `slot`; reopen after the end or an error."""
        while not stop.is_set():
            capture = cv2.VideoCapture(self.target)
            try:
                if not capture.isOpened():
                    delay = self.backoff.next()
                    log.warning("cannot open %s; retrying in %.1f s", self.target, delay)
                    stop.wait(delay)
                    continue
                self._read(capture, slot, stop)
            finally:
                capture.release()
            if self.is_file and not self.loop:
                return

    def close(self):
        """Nothing to unblock: a capture read returns within a frame time."""

    def _read(self, capture, slot, stop):
        fps = self.fps or (capture.get(cv2.CAP_PROP_FPS) if self.is_file else 0) or 0
        # Webcams pace themselves; files are read as fast as the disk allows unless paced.
        period = 1.0 / fps if fps > 0 else 0.0
        next_at = time.monotonic()
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                if not self.is_file:
                    log.warning("camera %s stopped giving frames", self.target)
                return
            ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
            if ok:
                slot.put(encoded.tobytes())
                self.backoff.reset()
            if period:
                next_at = _pace(stop, next_at, period)
                if next_at is None:
                    return
