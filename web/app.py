"""The application factory: the pipeline, the Socket.IO server and the stream hub, built once."""

import logging
import time

from flask import Flask
from flask_socketio import SocketIO

from media.folder_lock import lock_data_dir
from media.store import DEFAULT_DATA_DIR

from pipeline import Pipeline, find_landmark_model, load_catalogue, single_threaded_libraries, use
from protocol import ClientError
from streaming.client import ClientLimits
from streaming.hub import StreamHub
from streaming.pipeline_processes import PipelineProcesses

from . import routes, watch
from .access import access_token, origin_checker
from .compat import check_async_mode
from .config import load_config, pipeline_config
from .handshakes import HandshakeSweeper
from .library_patches import send_events_whole
from .media import build_library
from .packet_guard import guard_packets
from .pings import share_ping_timer
from .scale_out import directory_for, queue_options
from .serving import body_limit
from .socketio_glue import runtime_for, unsent_events
from .transport import cap_websockets
from .wiring import wire

log = logging.getLogger(__name__)


def build_pipeline(config):
    """Build the pipeline once: kernels and the landmark model are loaded here, not per frame.

    In threading mode each worker gets a child process with its own pipeline (see
    streaming/pipeline_processes.py); under eventlet, or with --in-process, the workers
    share one pipeline in this process.
    """
    landmark_model = str(find_landmark_model(config["landmark_model"]))
    options = pipeline_config({**config, "landmark_model": landmark_model})
    check_async_mode(config["async_mode"])
    if config["async_mode"] == "threading" and not config["in_process"]:
        # The children build the stages; this process checks settings against the same catalogue.
        use(load_catalogue(options))
        return PipelineProcesses(options, config["workers"], config["log_level"].upper())
    single_threaded_libraries()
    return Pipeline(options)


def make_socketio(app, config):
    """Return the Socket.IO server for `app`, with the origin allow-list and frame size room."""
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
        **queue_options(config),  # none unless --message-queue (README, Scaling out)
    )
    # Each event's packets together; with a queue, emits to this instance's clients skip it.
    send_events_whole(socketio, local_skips_queue=bool(config["message_queue"]))
    guard_packets(socketio, max_event_bytes=2 * config["max_frame_bytes"])
    # The same room for one WebSocket message, counted as it arrives, and for a request body
    # to any route (Flask answers 413; the worker's intake refuses larger ones unread).
    cap_websockets(socketio, max_message_bytes=2 * config["max_frame_bytes"])
    app.config["MAX_CONTENT_LENGTH"] = body_limit(config)
    share_ping_timer(socketio)  # not a sleeping thread per handshake
    return socketio


def make_hub(socketio, pipeline, config):
    """Return the stream hub: clients, sources and workers, sending through `socketio`."""
    runtime = runtime_for(socketio, config["async_mode"], config["workers"])
    limits = ClientLimits(config["max_clients"], config["max_fps"], config["idle_timeout"],
                          config["max_frame_bytes"], config["max_renditions"])
    hub = StreamHub(pipeline, runtime, socketio.emit, unsent_events(socketio, "response_back"),
                    kick=socketio.server.disconnect, workers=config["workers"],
                    stats_interval=config["stats_interval"], limits=limits,
                    name_grace_s=config["name_grace"],
                    directory=directory_for(socketio, runtime, config))
    return hub


def build_app(config):
    """Build the app from a loaded config (see config.load_config) and start its workers."""
    lock_data_dir(config["data_dir"] or DEFAULT_DATA_DIR)  # held already under process.py
    pipeline = build_pipeline(config)
    log.info("pipeline: %r", pipeline)
    app = Flask(__name__.split(".")[0], root_path=str(routes.ROOT))
    app.config["STREAM"] = config
    app.config["ACCESS_TOKEN"] = access_token(config)
    socketio = make_socketio(app, config)
    hub = make_hub(socketio, pipeline, config)
    app.extensions["stream_hub"] = hub  # read by the health route and by drain()
    library = app.extensions["media_library"] = build_library(config, hub, socketio,
                                                              app.config["ACCESS_TOKEN"])
    wire(app, socketio, hub, library, config)  # middleware, blueprints, events: web/wiring.py
    sweeper = app.extensions["handshake_sweeper"] = HandshakeSweeper(socketio)
    hub.start()
    sweeper.start()
    watch.start(app, hub, config, socketio.sleep if config["async_mode"] == "eventlet" else None)
    return app


def create_app(config=None):
    """Build the app from defaults, the environment, then `config`'s overrides."""
    return build_app(load_config(config))


def drain(app):
    """Tell every client the server is stopping, close every connection, stop workers and children."""
    socketio = app.extensions["socketio"]
    hub = app.extensions["stream_hub"]
    app.extensions["handshake_sweeper"].stop()
    app.extensions["media_library"].stop_all()  # each recording finishes its file meanwhile
    notice = ClientError("the server is stopping; reconnect in a moment",
                         code="server_stopping").as_event()
    sids = list(hub.clients)
    for sid in sids:
        socketio.emit("error", notice, to=sid)
    log.info("stopping: told %d client(s)", len(sids))
    # Not waiting for each socket's writer: the notice and the close go out in order behind it,
    # and one client that reads slowly must not hold up the others.
    for connection in list(socketio.server.eio.sockets.values()):
        connection.close(wait=False)
    watch.stop(app)
    socketio.sleep(0.3)  # lets the writers (green threads under eventlet) send what is queued
    app.extensions["media_library"].wait_finished(2.5)
    started = time.monotonic()
    hub.stop()
    log.info("stopped the workers and pipeline processes in %.1f s", time.monotonic() - started)
