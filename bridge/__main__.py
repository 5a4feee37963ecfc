"""Command line: `python -m bridge SOURCE --name kitchen --server http://HOST:9990`."""

import argparse
import logging
import os
import sys

from .app import Bridge
from .camera_control import control_url_for, frame_size_value
from .cameras import MjpegPullCamera, PushCamera, open_camera, push_key, random_key

log = logging.getLogger("bridge")

EPILOG = """sources:
  http://CAMERA:81/stream   pull MJPEG (Arduino CameraWebServer, CircuitPython /stream, IP cameras)
  ws://0.0.0.0:3001/ws      listen for an ESP32 that pushes JPEGs over a WebSocket; it must add
                            the ?key=... printed at start (made from --token and --name)
  0                         a local webcam (OpenCV device number)
  clip.mp4                  a video file, looped at its own frame rate
  photos/ or face.jpg       JPEG files, looped at --fps

environment: BRIDGE_SERVER, BRIDGE_NAME and ACCESS_TOKEN (the server's token) stand in for
--server, --name and --token."""


def parse_args(argv=None):
    """Parse the command line; --server, --name and --token fall back to the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m bridge", description="Relay a camera to the processing server as a named source.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="where frames come from (see below)")
    parser.add_argument("--server", default=os.environ.get("BRIDGE_SERVER", "http://127.0.0.1:9990"),
                        help="the server's URL (default %(default)s)")
    parser.add_argument("--name", default=os.environ.get("BRIDGE_NAME"),
                        help="source name viewers pick, e.g. kitchen (1-32 of A-Z a-z 0-9 . _ -, "
                             "starting with a letter or digit)")
    parser.add_argument("--token", default=os.environ.get("ACCESS_TOKEN"),
                        help="the server's access token, if it asks for one (prefer $ACCESS_TOKEN: "
                             "other users can see flags in ps)")
    parser.add_argument("--stale-after", type=float, default=5.0, metavar="S",
                        help="report the camera stale after S seconds without a frame (default 5)")
    parser.add_argument("--response-timeout", type=float, default=5.0, metavar="S",
                        help="send the next frame if the server has not answered in S seconds")
    parser.add_argument("--read-timeout", type=float, default=10.0, metavar="S",
                        help="redial an MJPEG camera that sends nothing for S seconds (default 10)")
    parser.add_argument("--fps", type=float, help="rate for JPEG files (default 10) or a cap for video")
    parser.add_argument("--no-loop", action="store_true", help="stop at the end of a file or folder")
    parser.add_argument("--jpeg-quality", type=int, default=85,
                        help="JPEG quality for webcam and video frames (default 85)")
    camera = parser.add_argument_group("CameraWebServer controls (sent to /control on each connect)")
    camera.add_argument("--framesize", type=frame_size_value,
                        help="QVGA, VGA, SVGA... or the firmware's number")
    camera.add_argument("--quality", type=int, help="the camera's JPEG quality, 4-63 (lower is better)")
    camera.add_argument("--control-url",
                        help="default: the stream's host on port 80 (or the stream's port if not 81)")
    parser.add_argument("--stats-every", type=float, default=10.0, metavar="S",
                        help="log frame counts every S seconds (default 10)")
    parser.add_argument("--log-level", default=os.environ.get("LOG_LEVEL", "INFO"))
    args = parser.parse_args(argv)
    if not args.name:
        parser.error("--name is required (or set BRIDGE_NAME)")
    return args


def build_bridge(args):
    """Turn parsed arguments into a Bridge (not started)."""
    controls = {}
    if args.framesize is not None:
        controls["framesize"] = args.framesize
    if args.quality is not None:
        controls["quality"] = args.quality
    # A pushing camera's key comes from the token, so it survives restarts; with no token
    # (a server run --no-token) a new one is made each start.
    key = push_key(args.token, args.name) if args.token else random_key()
    camera = open_camera(args.source, fps=args.fps, loop=not args.no_loop,
                         jpeg_quality=args.jpeg_quality, read_timeout_s=args.read_timeout,
                         controls=controls,
                         control_url=args.control_url or (controls and control_url_for(args.source)),
                         key=key)
    if controls and not isinstance(camera, MjpegPullCamera):
        log.warning("--framesize/--quality only apply to an http:// CameraWebServer stream")
    return Bridge(camera, args.server, args.name, token=args.token, stale_after_s=args.stale_after,
                  response_timeout_s=args.response_timeout, stats_every_s=args.stats_every)


def main(argv=None):
    """Run the bridge until Ctrl-C."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        bridge = build_bridge(args).start()
    except (OSError, ValueError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    log.info("relaying %r to %s as %r", bridge.camera, args.server, args.name)
    if isinstance(bridge.camera, PushCamera):
        # stdout, not the log: the URL carries the camera's key.
        anywhere = bridge.camera.host in ("0.0.0.0", "::", "")
        sys.stdout.write(f"Point the camera's sketch at {bridge.camera.url()}"
                         f"{' (with this machine address for 0.0.0.0)' if anywhere else ''}\n")
        sys.stdout.flush()
    try:
        bridge.wait()
    except KeyboardInterrupt:
        log.info("stopping")
    bridge.stop()
    return 1 if bridge.uplink.refusal else 0  # refused for good: said why in the log


if __name__ == "__main__":
    sys.exit(main())
