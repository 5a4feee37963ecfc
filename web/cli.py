"""The command line: `python process.py --host 0.0.0.0 ...`."""

import argparse
import logging
import signal
import sys

from pipeline import ModelNotFound, check_stages, find_landmark_model
from streaming.pipeline_child import ChildFailed

from .access import access_token, share_urls, token_everywhere
from .app import build_app, drain
from .config import ASYNC_MODES, DEFAULTS, load_config, pipeline_config
from .server_cameras import check_cameras
from .serving import serve_eventlet, serve_threading
from .tls import certificate

log = logging.getLogger("process")

# What stops start-up with one clear line instead of a traceback.
START_UP_ERRORS = (ModelNotFound, ChildFailed, ValueError, RuntimeError)


def parse_args(argv=None):
    """Parse the command line; unset options fall back to the environment, then defaults."""
    parser = argparse.ArgumentParser(description="Process camera frames over Socket.IO.")
    parser.add_argument("--host", help=f"address to listen on (default {DEFAULTS['host']}, env HOST)")
    parser.add_argument("--port", type=int,
                        help=f"port to listen on (default {DEFAULTS['port']}, env PORT)")
    parser.add_argument("--async-mode", choices=ASYNC_MODES, help="default threading, env ASYNC_MODE")
    parser.add_argument("--workers", type=int, help="frames processed at once (default: CPU cores)")
    parser.add_argument("--in-process", action="store_true", default=None,
                        help="process frames in threads of the server process, not in child "
                             "processes (always so under eventlet)")
    parser.add_argument("--landmark-model", help="path to shape_predictor_68_face_landmarks.dat")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING... (default INFO)")
    parser.add_argument("--public", action="store_true", default=None,
                        help="require the access token even on loopback (e.g. behind ngrok)")
    parser.add_argument("--token", help="access token (better: env ACCESS_TOKEN, kept out of ps)")
    parser.add_argument("--allow-origin", dest="allowed_origins", action="append",
                        help="another origin allowed to connect, e.g. https://x.ngrok-free.app")
    parser.add_argument("--allow-host", dest="allowed_hosts", action="append",
                        help="another Host name to answer to without a token, e.g. mybox.lan "
                             "(repeatable, env ALLOWED_HOSTS)")
    parser.add_argument("--max-clients", type=int,
                        help=f"connections at once (default {DEFAULTS['max_clients']})")
    parser.add_argument("--max-fps", type=float,
                        help=f"frames a second per client (default {DEFAULTS['max_fps']:g})")
    parser.add_argument("--idle-timeout", type=float, help="seconds before an idle client is "
                        f"disconnected (default {DEFAULTS['idle_timeout']:g})")
    parser.add_argument("--max-renditions", type=int, help="ways one source may be processed at "
                        f"once, one per distinct settings (default {DEFAULTS['max_renditions']})")
    parser.add_argument("--camera", dest="cameras", action="append", metavar="NAME=SOURCE",
                        help="a camera the server pulls itself, shared as NAME: an MJPEG URL, "
                             "ws://0.0.0.0:3001/ws, a webcam number, a video file or JPEG folder "
                             "(repeatable, env CAMERAS, comma-separated)")
    parser.add_argument("--max-viewers", type=int, help="MJPEG streams served at once (default "
                        f"{DEFAULTS['max_viewers']}; each holds a server thread)")
    parser.add_argument("--https", action="store_true", default=None,
                        help="serve HTTPS with a self-signed certificate (phones on the LAN)")
    parser.add_argument("--cert", help="your own certificate file for HTTPS")
    parser.add_argument("--key", help="its private key file")
    parser.add_argument("--data-dir", help="where recordings, snapshots and their library go "
                        "(default data/, env DATA_DIR)")
    parser.add_argument("--max-recording-s", type=float, help="longest recording in seconds "
                        f"(default {DEFAULTS['max_recording_s']:g}, env MAX_RECORDING_S)")
    parser.add_argument("--media-quota-mb", type=float, help="disk space for media in MB "
                        f"(default {DEFAULTS['media_quota_mb']:g}, env MEDIA_QUOTA_MB)")
    parser.add_argument("--max-recordings", type=int, help="recordings at once "
                        f"(default {DEFAULTS['max_recordings']}, env MAX_RECORDINGS)")
    parser.add_argument("--stages", action="append", metavar="FOLDER",
                        help="a folder of stage files (*.py) to load; repeatable, env STAGES "
                             "(folders separated by ':'); README, Write a stage")
    parser.add_argument("--detector-model", metavar="FILE.onnx",
                        help="an ONNX object detector (YOLOv8/YOLO11 or YOLOv5 export) for the "
                             "detect stage (env DETECTOR_MODEL)")
    parser.add_argument("--detector-labels", metavar="FILE",
                        help="its labels, one a line, when the model carries none "
                             "(default: from the model, else the 80 COCO names)")
    parser.add_argument("--detector-runtime", choices=("auto", "onnxruntime", "opencv"),
                        help="what runs the detector (default auto: onnxruntime, the faster "
                             "here; env DETECTOR_RUNTIME)")
    parser.add_argument("--message-queue", help="redis://HOST:6379/0 shared by several instances "
                        "behind a sticky proxy (README, Scaling out; env MESSAGE_QUEUE)")
    return parser.parse_args(argv)


def main(argv=None, config=None):
    """Run the server from the command line; `config` holds overrides the flags cannot set."""
    args = parse_args(argv)
    overrides = {**(config or {}), **{k: v for k, v in vars(args).items() if v is not None}}
    config = load_config(overrides)
    logging.basicConfig(level=config["log_level"].upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        check_cameras(config)
        tls = certificate(config)
        find_landmark_model(config["landmark_model"])  # here, before any worker starts
        check_stages(pipeline_config(config))  # a broken stage or model stops start-up here
    except START_UP_ERRORS as exc:
        log.error("%s", exc)
        return 2
    # Made once here, so a worker that gunicorn restarts keeps the link that was printed.
    config["token"] = access_token(config)
    if config["async_mode"] == "threading":
        # gunicorn's master; the app is built in its worker and announces itself from there.
        serve_threading(lambda: build_app(config), config, tls)
        return 0
    return _serve_eventlet(config, tls)


def _serve_eventlet(config, tls):
    try:
        app = build_app(config)
    except START_UP_ERRORS as exc:
        log.error("%s", exc)
        return 2
    announce(config, tls, app.config["ACCESS_TOKEN"])
    # `kill` (as from a process manager) stops the server as cleanly as Ctrl+C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        serve_eventlet(app, config, tls)
    except KeyboardInterrupt:
        pass
    drain(app)
    log.info("stopped")
    return 0


def announce(config, tls, token):
    """Tell the person at the terminal which link to open, with the token where it is needed."""
    everywhere = token_everywhere(config)
    urls = share_urls(config["host"], config["port"], "https" if tls else "http",
                      token if everywhere else None)
    lines = ["Open: " + "\n      ".join(urls)]
    if everywhere:
        log.info("clients need the access token; open the link printed on stdout")
    else:
        lines.append(f"Through a tunnel (ngrok, cloudflared) add #token={token} to its link.")
    # Written to stdout, not logged: the link carries the token, and logs get shipped and kept.
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
