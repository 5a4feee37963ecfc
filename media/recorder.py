"""A recording: a tap that queues processed frames, and a writer thread that encodes them.

`deliver` runs on a pipeline worker after each frame; it only appends to a small bounded
queue (a full queue drops the frame and counts it), so a slow disk or encoder never slows
processing. The writer turns frames into video with the times they were produced at.
"""

import logging
import queue
import threading
import time

from . import durable
from .video import VideoFile

log = logging.getLogger(__name__)

QUEUE_FRAMES = 8  # frames waiting for the encoder; beyond this they are dropped and counted
POLL_S = 0.25  # how often an idle writer looks for a stop


class Recorder:
    """Records one rendition's frames into `path` until stopped, a limit is hit or the source ends."""

    def __init__(self, media_id, source, path, thumbnail, limits, bytes_elsewhere):
        self.id = media_id
        self.source = source
        self.path = path
        self.thumbnail = thumbnail
        self.limits = limits  # MediaLimits
        self.bytes_elsewhere = bytes_elsewhere  # () -> bytes the rest of the library takes
        self.handle = None  # set by the library once attached (a TapHandle)
        self.started = time.monotonic()
        self.frames = 0
        self.dropped = 0
        self.bytes = 0
        self.message = ""  # why it stopped, when not by Stop
        self._queue = queue.Queue(QUEUE_FRAMES)
        self._stop = threading.Event()
        self.finished = threading.Event()
        self.video = None

    # The tap (pipeline worker threads) ---------------------------------------------------------

    def deliver(self, jpeg, _meta):
        """Queue a processed frame with the time it was produced; drop it if the writer lags."""
        try:
            self._queue.put_nowait((time.monotonic(), jpeg))
        except queue.Full:
            self.dropped += 1

    def end(self, _state, message):
        """The source left or stopped sharing: finish with what was recorded."""
        self.stop(f"stopped: {message}")

    # Control -----------------------------------------------------------------------------------

    def stop(self, message=""):
        """Ask the writer to finish; the first reason given is kept."""
        if not self._stop.is_set():
            self.message = message
            self._stop.set()

    @property
    def stopping(self):
        """Tell whether a stop was asked for."""
        return self._stop.is_set()

    def elapsed(self):
        """Return the seconds recorded so far."""
        return time.monotonic() - self.started

    # The writer thread --------------------------------------------------------------------------

    def write(self):
        """Encode queued frames until stopped; then the frames still queued, then close the file."""
        self.video = VideoFile(self.path)
        try:
            while not self._stop.is_set():
                try:
                    produced, jpeg = self._queue.get(timeout=POLL_S)
                except queue.Empty:
                    self._check_length(time.monotonic())
                    continue
                self._encode(produced, jpeg)
            self._encode_queued()
        finally:
            self.video.close()

    def _encode_queued(self):
        """Encode the frames that were waiting when the stop came (at most QUEUE_FRAMES)."""
        for _ in range(QUEUE_FRAMES):
            try:
                produced, jpeg = self._queue.get_nowait()
            except queue.Empty:
                return
            self._encode(produced, jpeg)

    def _encode(self, produced, jpeg):
        if self._check_length(produced):
            return  # produced after the length limit: not part of the recording
        if not self.video.add(jpeg, (produced - self.started) * 1000):
            self.dropped += 1
            return
        if self.frames == 0:
            durable.write(self.thumbnail, jpeg, self.thumbnail.with_name(self.thumbnail.name + ".tmp"))
        self.frames += 1
        self.bytes = self.path.stat().st_size
        quota = self.limits.quota_bytes
        if quota and self.bytes + self.bytes_elsewhere(self) >= quota:
            self.stop(f"stopped: the disk quota of {self.limits.quota_mb:g} MB for media is full; "
                      "delete some recordings to record more")

    def _check_length(self, now):
        limit = self.limits.max_recording_s
        if limit and now - self.started > limit:
            self.stop(f"stopped: recordings are at most {limit:g} s long")
            return True
        return False
