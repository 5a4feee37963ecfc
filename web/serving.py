"""Serve the app: gunicorn's threaded worker in threading mode, eventlet's server in eventlet mode."""

import logging
import socket

from gunicorn.app.base import BaseApplication

log = logging.getLogger(__name__)

# Seconds that SIGTERM or Ctrl+C leave the worker to tell clients, close them and stop the
# pipeline processes before gunicorn kills it; the whole stop stays within 5 s.
GRACEFUL_TIMEOUT_S = 4
# Seconds a connection may stay open without sending a full request (half-open ones included).
KEEPALIVE_S = 5


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


def gunicorn_options(config, tls=None):
    """Return gunicorn's settings for this app: one worker, bounded threads, short timeouts."""
    host = f"[{config['host']}]" if ":" in config["host"] else config["host"]
    # A WebSocket holds its thread while it is open; a client upgrading from long-polling
    # briefly holds two; so does an MJPEG viewer (--max-viewers). The rest is room for page
    # loads, snapshots and refused handshakes.
    threads = 2 * config["max_clients"] + config["max_viewers"] + 8
    options = {
        "bind": [f"{host}:{config['port']}"],
        # Socket.IO keeps each session in one process: more workers would need sticky
        # sessions and a message queue.
        "workers": 1,
        "worker_class": "web.worker.SocketIOWorker",
        "threads": threads,
        "worker_connections": threads + 32,
        "keepalive": KEEPALIVE_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        # gunicorn restarts a worker silent this long; building the pipeline can take half a
        # minute on a busy machine.
        "timeout": 120,
        "loglevel": config["log_level"].lower(),
        "errorlog": "-",
        "accesslog": None,
        "control_socket_disable": True,
        "proc_name": "camera-server",
    }
    if tls is not None:
        options["certfile"], options["keyfile"] = tls
    return options


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
