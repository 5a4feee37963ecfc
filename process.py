"""Camera frames in, processed frames out: the Flask-SocketIO app, its events and its command line."""

import argparse
import logging
import pathlib
import sys
import threading

from flask import Flask, abort, jsonify, render_template, request, send_from_directory
from flask_socketio import SocketIO, emit
from socketio.exceptions import ConnectionRefusedError as ConnectionRefused

from pipeline import (ClientError, ModelNotFound, Pipeline, PipelineConfig, find_landmark_model,
                      single_threaded_libraries)
from pipeline.codec import Limits
from streaming.access import (access_token, needs_token, origin_checker, share_urls,
                              token_everywhere, token_matches)
from streaming.config import ASYNC_MODES, load_config
from streaming.http_server import serve, without_websocket_compression
from streaming.pipeline_processes import ChildFailed, PipelineProcesses
from streaming.hub import ClientLimits, StreamHub
from streaming.runtime import runtime_for, serialize_packets, unsent_events
from streaming.tls import certificate

log = logging.getLogger("process")

ROOT = pathlib.Path(__file__).resolve().parent
SOCKETIO_CLIENT_DIR = ROOT / "node_modules" / "socket.io-client" / "dist"
SOCKETIO_CLIENT_FILE = "socket.io.min.js"


def build_pipeline(config):
    """Build the pipeline once: kernels and the landmark model are loaded here, not per frame.

    In threading mode each worker gets a child process with its own pipeline (see
    streaming/pipeline_processes.py); under eventlet, or with --in-process, or for the
    seed-style reference, the workers share one pipeline in this process.
    """
    limits = Limits(config["max_frame_bytes"], config["max_pixels"])
    pipeline_config = PipelineConfig(
        landmark_model=str(find_landmark_model(config["landmark_model"])),
        device=config["device"],
        detect_width=config["detect_width"],
        redetect_every=config["redetect_every"],
        workers=config["workers"],
        limits=limits,
    )
    if uses_processes(config):
        return PipelineProcesses(pipeline_config, config["workers"], config["log_level"].upper())
    single_threaded_libraries()
    return Pipeline(pipeline_config)


def uses_processes(config):
    """Whether frames are processed in child processes (the default in threading mode)."""
    return config["async_mode"] == "threading" and not (config["in_process"]
                                                        or config["seed_style"])


def create_app(config=None):
    """Build the Flask app, its Socket.IO server and the stream hub; start the workers."""
    config = load_config(config)
    pipeline = build_pipeline(config)
    log.info("pipeline: %r", pipeline)
    app = Flask(__name__)
    app.config["STREAM"] = config
    app.config["ACCESS_TOKEN"] = access_token(config)
    socketio = SocketIO(
        app,
        async_mode=config["async_mode"],
        # Room above our own frame limit, so an oversized frame gets a clear error
        # instead of the transport silently dropping the connection.
        max_http_buffer_size=2 * config["max_frame_bytes"],
        cors_allowed_origins=origin_checker(config["allowed_origins"]),
        # Handle each client's messages in arrival order, on its own connection's thread: the
        # handlers only file frames away, and a binary event's parts must not be reordered.
        async_handlers=False,
    )
    serialize_packets(socketio)
    app.wsgi_app = without_websocket_compression(app.wsgi_app)  # outside Socket.IO's middleware
    runtime = runtime_for(socketio, config["async_mode"], config["workers"])
    limits = ClientLimits(config["max_clients"], config["max_fps"], config["idle_timeout"])
    hub = StreamHub(pipeline, runtime, socketio.emit, unsent_events(socketio, "response_back"),
                    kick=socketio.server.disconnect, workers=config["workers"],
                    stats_interval=config["stats_interval"], limits=limits,
                    keep_all=config["seed_style"])
    register_routes(app, hub)
    register_events(socketio, hub, config, app.config["ACCESS_TOKEN"])
    hub.start()
    app.extensions["stream_hub"] = hub
    if not (SOCKETIO_CLIENT_DIR / SOCKETIO_CLIENT_FILE).is_file():
        log.warning("the page needs the Socket.IO client from npm: run `npm ci` in %s", ROOT)
    return app


def register_routes(app, hub):
    """Add the page, the locally served Socket.IO client and a health check."""

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/vendor/socket.io.min.js")
    def socketio_client():
        if not (SOCKETIO_CLIENT_DIR / SOCKETIO_CLIENT_FILE).is_file():
            abort(404, "Socket.IO client missing: run `npm ci`")
        return send_from_directory(SOCKETIO_CLIENT_DIR, SOCKETIO_CLIENT_FILE)

    @app.get("/healthz")
    def health():
        return jsonify(ok=True, clients=len(hub.clients), threads=threading.active_count())


def register_events(socketio, hub, config, token):
    """Wire the Socket.IO protocol (see README) to the hub."""

    @socketio.on("connect")
    def on_connect(auth=None):
        name = auth.get("source") if isinstance(auth, dict) else None
        try:
            if needs_token(config, request.environ) and not token_matches(token, auth):
                raise ClientError("this server needs its access token: open the link it printed "
                                  "at start-up (…/#token=…) or pass --token to the bridge",
                                  code="unauthorized")
            client = hub.connect(request.sid, name)
        except ClientError as exc:
            log.warning("refused %s: %s: %s", request.sid, exc.code, exc.message)
            raise ConnectionRefused(exc.message, {"code": exc.code}) from None
        emit("settings", client.settings.as_dict())
        emit("sources", hub.list_sources())

    @socketio.on("disconnect")
    def on_disconnect(*_reason):
        hub.disconnect(request.sid)

    # Handlers take *args: a client may send any number of arguments, and a wrong count must
    # come back as a clear error, not a TypeError inside the server.
    @socketio.on("image")
    def on_image(*args):
        return hub.receive(request.sid, _one(args))

    @socketio.on("settings")
    def on_settings(*args):
        answer = hub.update_settings(request.sid, _one(args))
        emit("settings", answer["settings"])
        return answer

    @socketio.on("watch")
    def on_watch(*args):
        return hub.watch(request.sid, _one(args))

    @socketio.on("list_sources")
    def on_list_sources(*_):
        return hub.list_sources()

    @socketio.on("source_status")
    def on_source_status(*args):
        return hub.set_status(request.sid, _one(args))


def _one(args):
    """Return the single argument of an event; none or several become a (wrong-typed) tuple."""
    return args[0] if len(args) == 1 else args


def parse_args(argv=None):
    """Parse the command line; unset options fall back to the environment, then defaults."""
    parser = argparse.ArgumentParser(description="Process camera frames over Socket.IO.")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1, env HOST)")
    parser.add_argument("--port", type=int, help="port to listen on (default 9990, env PORT)")
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
    parser.add_argument("--max-clients", type=int, help="connections at once (default 32)")
    parser.add_argument("--max-fps", type=float, help="frames a second per client (default 30)")
    parser.add_argument("--idle-timeout", type=float, help="seconds before an idle client is "
                        "disconnected (default 300)")
    parser.add_argument("--https", action="store_true", default=None,
                        help="serve HTTPS with a self-signed certificate (phones on the LAN)")
    parser.add_argument("--cert", help="your own certificate file for HTTPS")
    parser.add_argument("--key", help="its private key file")
    parser.add_argument("--seed-style", action="store_true", default=None,
                        help="benchmark reference only: detect at full size on every frame and "
                             "process every frame in turn, as the seed server did")
    return parser.parse_args(argv)


def main(argv=None):
    """Run the server from the command line."""
    args = parse_args(argv)
    overrides = {key: value for key, value in vars(args).items() if value is not None}
    config = load_config(overrides)
    logging.basicConfig(level=config["log_level"].upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        tls = certificate(config)
        app = create_app(overrides)
    except (ModelNotFound, ChildFailed, ValueError) as exc:
        log.error("%s", exc)
        return 2
    announce(config, tls, app.config["ACCESS_TOKEN"])
    try:
        serve(app, config["async_mode"], config["host"], config["port"], tls)
    except KeyboardInterrupt:
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


if __name__ == "__main__":
    sys.exit(main())
