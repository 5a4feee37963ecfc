"""Where frames come from: pick the reader that fits the source given on the command line."""

import pathlib

from .files import JPEG_SUFFIXES, CaptureSource, JpegFilesSource
from .mjpeg_pull import MjpegPullSource
from .push import PushSource

__all__ = ["CaptureSource", "JpegFilesSource", "MjpegPullSource", "PushSource", "make_source"]


def make_source(spec, fps=None, loop=True, jpeg_quality=85, read_timeout_s=10.0,
                controls=None, control_url=None):
    """Return a source for `spec`: an http(s) MJPEG URL, a ws:// address to listen on,
    a webcam number, a JPEG file or folder, or a video file."""
    if spec.startswith(("http://", "https://")):
        return MjpegPullSource(spec, read_timeout_s=read_timeout_s, controls=controls,
                               control_url=control_url)
    if spec.startswith("ws://"):
        return PushSource(spec)
    if spec.isdigit():
        return CaptureSource(int(spec), fps=fps, jpeg_quality=jpeg_quality)
    path = pathlib.Path(spec)
    if path.is_dir() or path.suffix.lower() in JPEG_SUFFIXES:
        return JpegFilesSource(path, fps=fps, loop=loop)
    return CaptureSource(spec, fps=fps, loop=loop, jpeg_quality=jpeg_quality)
