"""Serve the WSGI app with small-packet latency fixed, in threading or eventlet mode."""

import logging
import socket

from werkzeug.serving import WSGIRequestHandler, make_server

log = logging.getLogger(__name__)


def _no_delay(sock):
    # A binary Socket.IO event goes out as two writes; with Nagle on, the second waits for
    # the peer's delayed ACK and every round trip costs ~40 ms instead of ~2 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


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


class NoDelayHandler(WSGIRequestHandler):
    """Werkzeug handler that turns Nagle off on each accepted connection."""

    def setup(self):
        super().setup()
        _no_delay(self.connection)

    def log_request(self, code="-", size="-"):
        """Log requests at debug level: long-polling would otherwise flood the log."""
        log.debug("%s %s %s", self.command, self.path.split("?")[0], code)


def serve_threading(app, host, port, ssl_context=None):
    """Serve with one OS thread per connection (Flask-SocketIO's threading mode)."""
    server = make_server(host, port, app, threaded=True, request_handler=NoDelayHandler,
                         ssl_context=ssl_context)
    log.info("serving on %s://%s:%d (threading)", "https" if ssl_context else "http", host, port)
    server.serve_forever()


def serve_eventlet(app, host, port, ssl_context=None):
    """Serve with eventlet green threads; `ssl_context` is (certfile, keyfile) or None."""
    import eventlet
    import eventlet.wsgi

    listener = eventlet.listen((host, port))
    # Linux copies TCP_NODELAY from the listening socket to every accepted one.
    _no_delay(listener)
    if ssl_context is not None:
        certfile, keyfile = ssl_context
        listener = eventlet.wrap_ssl(listener, certfile=certfile, keyfile=keyfile, server_side=True)
    log.info("serving on %s://%s:%d (eventlet)", "https" if ssl_context else "http", host, port)
    eventlet.wsgi.server(listener, app, log_output=False)


def serve(app, async_mode, host, port, ssl_context=None):
    """Serve `app` until interrupted; `ssl_context` is (certfile, keyfile) for HTTPS, or None."""
    runner = serve_eventlet if async_mode == "eventlet" else serve_threading
    runner(app, host, port, ssl_context)
