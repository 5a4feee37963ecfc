"""The command line: `python process.py --host 0.0.0.0 ...`."""

import argparse
import gc
import logging
import signal
import sys

from pipeline import ModelNotFound, check_stages, find_landmark_model
from streaming.pipeline_child import ChildFailed

from media.folder_lock import lock_data_dir
from media.store import DEFAULT_DATA_DIR

from .access import access_token, share_urls, token_everywhere
from .app import build_app, drain
from .config import ASYNC_MODES, DEFAULTS, load_config, pipeline_config
from .server_cameras import check_cameras, push_urls
from .serving import serve_eventlet, serve_threading
from .tls import certificate
from .token_file import MIN_LENGTH, new_token, token_path

log = logging.getLogger("process")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
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
                        help="kept for old scripts: every client needs the token anyway")
    parser.add_argument("--no-token", action="store_true", default=None,
                        help="let a local client in without the token (loopback only; env "
                             "NO_TOKEN=1): anyone who can reach the port, through a port "
                             "forward too, can then use the server")
    parser.add_argument("--token", help="access token (default: made once and kept in the data "
                        "folder's access-token file; better: env ACCESS_TOKEN, kept out of ps)")
    parser.add_argument("--new-token", action="store_true",
                        help="write a new access token into the data folder, print its link and "
                             "exit; a running server keeps the old one until it restarts")
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
    parser.add_argument("--max-snapshots", type=int, help="snapshots waiting for their frame "
                        f"at once; beyond it 429 (default {DEFAULTS['max_snapshots']}, env MAX_SNAPSHOTS)")
    parser.add_argument("--message-queue", help="redis://HOST:6379/0 shared by several instances "
                        "behind a sticky proxy (README, Scaling out; env MESSAGE_QUEUE)")
    return parser.parse_args(argv)


def main(argv=None, config=None):
    """Run the server from the command line; `config` holds overrides the flags cannot set."""
    args = vars(parse_args(argv))
    rotate = args.pop("new_token")
    overrides = {**(config or {}), **{k: v for k, v in args.items() if v is not None}}
    try:
        config = load_config(overrides)
    except ValueError as exc:  # contradicting flags, a bad $VARIABLE: one line, no traceback
        logging.basicConfig(format=LOG_FORMAT)
        log.error("%s", exc)
        return 2
    logging.basicConfig(level=config["log_level"].upper(), format=LOG_FORMAT)
    if rotate:
        return rotate_token(config)
    try:
        check_cameras(config)
        tls = certificate(config)
        find_landmark_model(config["landmark_model"])  # here, before any worker starts
        check_stages(pipeline_config(config))  # a broken stage or model stops start-up here
        lock_data_dir(config["data_dir"] or DEFAULT_DATA_DIR)  # one server per data folder
    except START_UP_ERRORS as exc:
        log.error("%s", exc)
        return 2
    # Made here if it is new, so a bad data folder stops start-up with one line; the worker,
    # and one that gunicorn restarts, read the same file and so keep the printed link.
    try:
        access_token(config)
    except (OSError, ValueError) as exc:
        log.error("the access token: %s", exc)
        return 2
    # gunicorn's worker forks from here: objects frozen now are never walked by the collector
    # in the worker, so their pages stay shared with this process instead of being copied.
    gc.freeze()
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


def rotate_token(config: dict) -> int:
    """Write a new token into the data folder and print its link (`--new-token`)."""
    if config["token"]:
        log.error("the token comes from $ACCESS_TOKEN or --token here: change it there")
        return 2
    data_dir = config["data_dir"] or DEFAULT_DATA_DIR
    token = new_token(data_dir)
    urls = share_urls(config["host"], config["port"], "https" if config["https"] else "http", token)
    # stdout, not the log: the link carries the token.
    sys.stdout.write(f"Wrote a new access token to {token_path(data_dir)}.\n"
                     "Open: " + "\n      ".join(urls) + "\n"
                     "A running server keeps the old token until it restarts; then only the "
                     "new one works (bridges: --token or $ACCESS_TOKEN; pushing cameras: the "
                     "new ?key= printed at start).\n")
    sys.stdout.flush()
    return 0


def announce(config, tls, token):
    """Tell the person at the terminal which links to open, each with the token or key it needs."""
    everywhere = token_everywhere(config)
    urls = share_urls(config["host"], config["port"], "https" if tls else "http",
                      token if everywhere else None)
    lines = ["Open: " + "\n      ".join(urls)]
    if everywhere:
        where = "$ACCESS_TOKEN or --token" if config["token"] else \
            token_path(config["data_dir"] or DEFAULT_DATA_DIR)
        log.info("clients need the access token (from %s); open the link printed on stdout; "
                 "`python process.py --new-token` makes a new one", where)
    else:
        log.warning("--no-token: anyone who can reach port %d, through a tunnel or port forward "
                    "too, can use this server without a token", config["port"])
        lines.append(f"Through a tunnel (ngrok, cloudflared) add #token={token} to its link.")
    if config["token"] and len(token) < MIN_LENGTH:
        log.warning("the access token given is %d characters long: a short token can be "
                    "guessed; use %d or more random ones", len(token), MIN_LENGTH)
    for name, url in push_urls(config, token):
        lines.append(f"Camera {name}: point the sketch at {url}")
    # Written to stdout, not logged: the links carry the token, and logs get shipped and kept.
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
