"""Camera readers: pick the one that fits the camera given on the command line."""

import pathlib

from .files import JPEG_SUFFIXES, CaptureCamera, JpegFilesCamera
from .mjpeg_pull import MjpegPullCamera
from .push import PushCamera
from .push_key import push_key, random_key

__all__ = ["CaptureCamera", "JpegFilesCamera", "MjpegPullCamera", "PushCamera", "open_camera",
           "push_key", "random_key"]


def open_camera(spec, fps=None, loop=True, jpeg_quality=85, read_timeout_s=10.0,
                controls=None, control_url=None, key=None):
    """Return a camera reader for `spec`: an http(s) MJPEG URL, a ws:// address to listen on
    (pushing cameras then need `key` in their URL), a webcam number, a JPEG file or folder,
    or a video file."""
    if spec.startswith(("http://", "https://")):
        return MjpegPullCamera(spec, read_timeout_s=read_timeout_s, controls=controls,
                               control_url=control_url)
    if spec.startswith("ws://"):
        return PushCamera(spec, key=key)
    if spec.isdigit():
        return CaptureCamera(int(spec), fps=fps, jpeg_quality=jpeg_quality)
    path = pathlib.Path(spec)
    if path.is_dir() or path.suffix.lower() in JPEG_SUFFIXES:
        return JpegFilesCamera(path, fps=fps, loop=loop)
    return CaptureCamera(spec, fps=fps, loop=loop, jpeg_quality=jpeg_quality)
