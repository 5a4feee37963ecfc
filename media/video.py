"""Video files with PyAV: fragmented MP4/H.264 while recording, a plain MP4 once finished.

Fragmented MP4 (an empty `moov`, then one `moof`+`mdat` per keyframe) plays up to its last
whole fragment after a hard kill. Chromium reports a wrong duration for such a file, so a
finished recording is remuxed (packets copied, nothing re-encoded) into an MP4 with its
index up front; README "Recording and media" has the measurements behind H.264.
"""

import fractions
import logging
import os
import struct

import av
import cv2
import numpy as np

from . import durable

log = logging.getLogger(__name__)

MILLISECONDS = fractions.Fraction(1, 1000)
KEYFRAME_EVERY_MS = 1000  # a fragment a second: what a hard kill can lose at most
ENCODER = "libx264"
ENCODER_OPTIONS = {"preset": "ultrafast", "tune": "zerolatency", "crf": "23"}
FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}


class VideoFile:
    """A fragmented MP4 being written, frame by frame, with millisecond timestamps."""

    def __init__(self, path):
        self.path = path
        self._out = av.open(str(path), "w", format="mp4", options=FRAGMENTED)
        self._stream = None
        self.size = None  # (width, height), from the first frame
        self._last_pts = -1
        self._last_key = None

    def add(self, jpeg, ms):
        """Decode `jpeg` and encode it at `ms` milliseconds from the start; False if undecodable."""
        image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            return False
        if self._stream is None:
            self._open_stream(image)
        width, height = self.size
        if image.shape[1] != width or image.shape[0] != height:
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
        # Timestamps must rise; two frames in the same millisecond are one apart.
        frame.pts = self._last_pts = max(int(ms), self._last_pts + 1)
        frame.time_base = MILLISECONDS
        if self._last_key is None or frame.pts - self._last_key >= KEYFRAME_EVERY_MS:
            frame.pict_type = av.video.frame.PictureType.I
            self._last_key = frame.pts
        self._out.mux(self._stream.encode(frame))
        return True

    def _open_stream(self, image):
        height, width = image.shape[:2]
        self.size = (width - width % 2, height - height % 2)  # 4:2:0 needs even sizes
        self._stream = self._out.add_stream(ENCODER, rate=30, options=ENCODER_OPTIONS)
        self._stream.width, self._stream.height = self.size
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.time_base = MILLISECONDS

    def close(self):
        """Flush the encoder and close the file."""
        try:
            if self._stream is not None:
                self._out.mux(self._stream.encode(None))
        finally:
            self._out.close()


def whole_fragments(path):
    """Return how many leading bytes of a fragmented MP4 are whole boxes, ending after an `mdat`.

    A hard kill can stop a write inside a fragment, and the MP4 demuxer then refuses the whole
    file; what comes before the cut still plays once the cut-off tail is left out.
    """
    kept = position = 0
    with open(path, "rb") as data:
        end = os.fstat(data.fileno()).st_size
        while position + 8 <= end:
            data.seek(position)
            size, kind = struct.unpack(">I4s", data.read(8))
            if size == 1:  # a 64-bit size follows the type
                size = struct.unpack(">Q", data.read(8))[0]
            if size < 8 or position + size > end:
                break
            position += size
            if kind in (b"mdat", b"mfra"):
                kept = position
    return kept


def probe(path):
    """Decode every frame of `path`; return (frames, duration_s, width, height), or None if none play."""
    frames, first, last, size = 0, None, None, (0, 0)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                frames += 1
                seconds = float(frame.pts * frame.time_base) if frame.pts is not None else 0.0
                first = seconds if first is None else min(first, seconds)
                last = seconds if last is None else max(last, seconds)
                size = (frame.width, frame.height)
    except (av.FFmpegError, IndexError, OSError) as exc:
        # A file cut off by a kill ends in a half-written fragment; what decoded before counts.
        log.debug("probe %s stopped: %s", path.name, exc)
    if frames == 0:
        return None
    step = (last - first) / (frames - 1) if frames > 1 else 0.0
    return frames, round(last - first + step, 3), *size


def remux(source, target):
    """Copy the packets of `source` into a plain MP4 at `target` (index first); return the duration.

    `target` appears whole on disk or not at all (durable.replace); a failed copy (a full
    disk) leaves no scratch file.
    """
    scratch = target.with_name(target.name + ".remux.tmp")
    try:
        with av.open(str(source)) as given, av.open(str(scratch), "w", format="mp4",
                                                   options={"movflags": "faststart"}) as out:
            video = given.streams.video[0]
            copy = out.add_stream_from_template(video)
            for packet in given.demux(video):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = copy
                out.mux(packet)
        durable.replace(scratch, target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise
    with av.open(str(target)) as done:
        return round(done.duration / av.time_base, 3) if done.duration else 0.0
