"""Serve the app: gunicorn's threaded worker in threading mode, eventlet's server in eventlet mode."""

import logging
import resource
import socket

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)

# Seconds that SIGTERM or Ctrl+C leave the worker to tell clients, close them and stop the
# pipeline processes before gunicorn kills it; the whole stop stays within 5 s.
GRACEFUL_TIMEOUT_S = 4
# Seconds a kept-alive connection may wait before its next request (web/intake.py times the rest).
KEEPALIVE_S = 5
# Connections held at once: waiting ones cost a socket, not a thread (web/worker.py).
MAX_CONNECTIONS = 4096
FILE_ROOM = 256


def without_websocket_compression(wsgi_app):
    """Wrap `wsgi_app` so WebSocket handshakes never agree to permessage-deflate.

    Browsers offer it and both WebSocket servers accept it, so every frame would be deflated
    on the way out and inflated on the way in: about 1.2 ms of server CPU for a 43 KB JPEG,
    which deflate shrinks by well under 1 % (JPEG is compressed already).
    """

    def app(environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return wsgi_app(environ, start_response)

    return app


def _no_delay(sock):
    # A binary Socket.IO event goes out as two writes; with Nagle on, the second waits for
    # the peer's delayed ACK and every round trip costs ~40 ms instead of ~2 ms. Linux copies
    # the option from a listening socket to every connection it accepts (gunicorn sets it on
    # its TCP listeners itself).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def body_limit(config):
    """Return the largest request body any route takes: a long-poll carrying the biggest frame."""
    return 2 * config["max_frame_bytes"]  # the same room as Engine.IO's max_http_buffer_size


def socket_threads(config):
    """Return the threads for Socket.IO's long-polls and WebSockets (web/worker.py).

    Each holds its thread while open; a client upgrading from long-polling briefly holds two,
    and so may a connection that has not joined yet, of which the sweeper keeps at most
    MAX_UNJOINED (web/handshakes.py).
    """
    from .handshakes import MAX_UNJOINED

    return 2 * (config["max_clients"] + MAX_UNJOINED)


def gunicorn_options(config, tls=None):
    """Return gunicorn's settings for this app: one worker, bounded threads, short timeouts."""
    host = f"[{config['host']}]" if ":" in config["host"] else config["host"]
    # Page loads, snapshots, /healthz, long-polling posts and MJPEG viewers (--max-viewers,
    # each holding a thread): whole requests only, the intake reads them first.
    threads = config["max_clients"] + config["max_viewers"] + 16
    options = {
        "bind": [f"{host}:{config['port']}"],
        # Socket.IO keeps each session in one process: more workers would need sticky
        # sessions and a message queue.
        "workers": 1,
        "worker_class": "web.worker.SocketIOWorker",
        "threads": threads,
        # Connections cost a socket each until a request is whole, not a thread.
        "worker_connections": open_connections_limit(),
        "keepalive": KEEPALIVE_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        # gunicorn restarts a worker silent this long; building the pipeline can take half a
        # minute on a busy machine.
        "timeout": 120,
        # A head has at most 32 fields of 8 KiB (a browser sends about 15): 260 KiB at worst.
        "limit_request_line": 4094,
        "limit_request_fields": 32,
        "limit_request_field_size": 8190,
        "http_protocols": "h1",
        "loglevel": config["log_level"].lower(),
        "errorlog": "-",
        "accesslog": None,
        "control_socket_disable": True,
        "proc_name": "camera-server",
    }
    if tls is not None:
        options["certfile"], options["keyfile"] = tls
    return options


def open_connections_limit(wanted=MAX_CONNECTIONS):
    """Return how many connections the worker may hold, raising its open-file limit to fit.

    Linux often starts processes with 1024 open files; the hard limit is usually far higher.
    Room is left for the pipeline processes' pipes, models, logs and recordings.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + FILE_ROOM
    if soft != resource.RLIM_INFINITY and soft < target:
        raised = target if hard == resource.RLIM_INFINITY else min(target, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            log.warning("could not raise the open-file limit above %d", soft)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(64, min(wanted, soft - FILE_ROOM))


class _Embedded(BaseApplication):
    """gunicorn run from `python process.py`: the app is built in the worker, after the fork."""

    def __init__(self, load_app, options):
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._load_app()


def serve_threading(load_app, config, tls=None):
    """Serve the app `load_app()` builds with gunicorn's threaded worker until stopped."""
    log.info("serving on %s://%s:%d (gunicorn, threads)", "https" if tls else "http",
             config["host"], config["port"])
    _Embedded(load_app, gunicorn_options(config, tls)).run()


def serve_eventlet(app, config, ssl_context=None):
    """Serve with eventlet green threads; `ssl_context` is (certfile, keyfile) or None."""
    host, port = config["host"], config["port"]
    import eventlet
    import eventlet.wsgi

    listener = eventlet.listen((host, port))
    _no_delay(listener)
    if ssl_context is not None:
        certfile, keyfile = ssl_context
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    log.info("serving on %s://%s:%d (eventlet)", "https" if ssl_context else "http", host, port)
    # Bounded green threads, and a socket silent for a minute (a half-open one) is closed:
    # a live Socket.IO client answers the server's ping every 25 s.
    eventlet.wsgi.server(listener, app, log_output=False,
                         max_size=2 * config["max_clients"] + config["max_viewers"] + 8,
                         socket_timeout=60, keepalive=KEEPALIVE_S)
