"""`python -m bench.codecs`: what each codec PyAV carries costs per 640x480 frame, and its size.

The recorder's choice (media/video.py) rests on these numbers and on Chromium playing the
files (tests/e2e/test_media.py plays the chosen one).
"""

import argparse
import fractions
import logging
import tempfile
import time

import av
import cv2
import numpy as np

from harness.frames import face_at, jpeg

log = logging.getLogger("bench.codecs")

FRAGMENTED_MP4 = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
CANDIDATES = {
    "H.264 libx264 ultrafast/zerolatency, fragmented MP4":
        ("mp4", "libx264", {"preset": "ultrafast", "tune": "zerolatency", "crf": "23"}, FRAGMENTED_MP4),
    "VP8 libvpx realtime cpu-used 8, WebM":
        ("webm", "libvpx", {"deadline": "realtime", "cpu-used": "8", "b": "2M"}, {}),
    "VP9 libvpx-vp9 realtime cpu-used 8, WebM":
        ("webm", "libvpx-vp9", {"deadline": "realtime", "cpu-used": "8", "b": "2M", "row-mt": "1"}, {}),
    "H.264 libopenh264, fragmented MP4": ("mp4", "libopenh264", {}, FRAGMENTED_MP4),
}

def encode(path, form, codec, options, container_options, frames):
    """Decode each JPEG and encode it as the recorder does; return ms a frame."""
    out = av.open(str(path), "w", format=form, options=container_options)
    stream = out.add_stream(codec, rate=15, options=options)
    stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
    stream.codec_context.time_base = fractions.Fraction(1, 1000)
    started = time.perf_counter()
    for index, data in enumerate(frames):
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
        frame.pts, frame.time_base = index * 66, stream.codec_context.time_base
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()
    return (time.perf_counter() - started) / len(frames) * 1000

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # A moving face, so the encoders see motion as in a real stream.
    face = face_at(640, 480)
    frames = [jpeg(np.roll(face, 4 * (i % 40), axis=1)) for i in range(args.frames)]
    with tempfile.TemporaryDirectory() as folder:
        for name, (form, codec, options, container_options) in CANDIDATES.items():
            path = f"{folder}/out.{form}"
            try:
                ms = encode(path, form, codec, options, container_options, frames)
            except (av.FFmpegError, ValueError) as exc:  # a codec this PyAV build lacks
                log.info("%-52s not available: %s", name, exc)
                continue
            size = len(open(path, "rb").read()) / len(frames) / 1000
            log.info("%-52s %6.1f ms/frame  %6.1f kB/frame", name, ms, size)

if __name__ == "__main__":
    main()
