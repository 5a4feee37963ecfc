"""Command line: run a simulated ESP32 camera as a demo source or for tests."""

import argparse
import logging
import sys
import threading

from .faults import FAULTS, FaultPlan
from .frames import DEFAULT_IMAGE, load_jpegs
from .mjpeg_server import FORMATS, MjpegCameraSimulator
from .push_client import PushCameraSimulator

log = logging.getLogger("bridge.simulator")


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bridge.simulator",
        description="A simulated ESP32 camera: serves MJPEG like the firmware, or pushes to a bridge.")
    parser.add_argument("--images", default=str(DEFAULT_IMAGE),
                        help="a JPEG file or a folder of them (default: the shipped face photo)")
    parser.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    parser.add_argument("--fault", action="append", choices=FAULTS, default=[],
                        help="inject this fault (repeat for several, taken in turn)")
    parser.add_argument("--fault-every", type=int, default=20, metavar="N",
                        help="inject a fault after every N frames (default 20)")
    parser.add_argument("--stall", type=float, default=3.0, metavar="S",
                        help="length of a stall fault in seconds (default 3)")
    parser.add_argument("--log-level", default="INFO")
    modes = parser.add_subparsers(dest="mode", required=True)
    serve = modes.add_parser("mjpeg", help="serve /stream, /capture and /control over HTTP")
    serve.add_argument("--format", choices=FORMATS, default="arduino",
                       help="arduino: CameraWebServer (chunked); circuitpython: boundary=frame")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8081, help="port to listen on (default 8081)")
    push = modes.add_parser("push", help="connect to a bridge's ws:// address and push JPEGs")
    push.add_argument("url", help="the push address with its key, as the bridge or server printed "
                                  "it: ws://127.0.0.1:3001/ws?key=KEY")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the simulator until Ctrl-C."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        jpegs = load_jpegs(args.images)
        plan = FaultPlan(args.fault, every=args.fault_every, stall_s=args.stall)
        if args.mode == "mjpeg":
            camera = MjpegCameraSimulator(jpegs, args.format, plan, args.fps, args.host, args.port)
            log.info("streaming at %s (controls at %s)", camera.stream_url, camera.control_url)
        else:
            camera = PushCameraSimulator(args.url, jpegs, plan, args.fps)
            log.info("pushing to %s", args.url.split("?", 1)[0])
    except (OSError, ValueError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    camera.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        log.info("stopping; faults injected: %s", dict(plan.injected) or "none")
    camera.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
