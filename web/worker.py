"""gunicorn's threaded worker, taught to tell clients and stop the pipeline when it is stopped."""

import errno
import logging
import os
import sys
import threading

from gunicorn.workers.gthread import ThreadWorker

log = logging.getLogger(__name__)

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR
REQUEST_TIMEOUT_S = 5.0


class SocketIOWorker(ThreadWorker):
    """A gthread worker that drains the app on SIGTERM, SIGINT (Ctrl+C) and SIGQUIT alike."""

    _drained = None

    def load_wsgi(self):
        """Load the app with the address it really listens on, then check it can serve here."""
        from .compat import check_served_by
        from .cli import START_UP_ERRORS, announce

        _listening_host(self.sockets)
        try:
            super().load_wsgi()
            check_served_by(self.wsgi, self.cfg)
        except START_UP_ERRORS as exc:
            log.error("%s", exc)
            sys.exit(WORKER_BOOT_ERROR)  # gunicorn's master then stops instead of retrying

        announce(self.wsgi.config["STREAM"], self.cfg.is_ssl, self.wsgi.config["ACCESS_TOKEN"])

    def handle(self, conn):
        """Serve a connection; a new one must send its whole request within REQUEST_TIMEOUT_S."""
        if not conn.initialized:
            # gthread waits 5 s for a first byte, then reads the rest with no time limit: a
            # client trickling its headers would hold a thread forever.
            start = conn.init

            def init_with_timeout():
                start()
                conn.sock.settimeout(REQUEST_TIMEOUT_S)
                conn.parser = _Deadline(conn.parser)

            conn.init = init_with_timeout
        return super().handle(conn)

    def handle_request(self, req, conn):
        """Serve one parsed request; a WebSocket may then stay quiet as long as its pings allow."""
        conn.sock.settimeout(None)
        try:
            return super().handle_request(req, conn)
        except TimeoutError:
            # An MJPEG viewer that took nothing for its send timeout (routes/video.py): one
            # line, not gunicorn's traceback; the broken pipe is then closed quietly.
            log.info("let go of a video viewer that took no data for %.0f s",
                     conn.sock.gettimeout() or 0)
            raise OSError(errno.EPIPE, "viewer stalled") from None

    def handle_exit(self, sig, frame):
        """Stop accepting, then tell clients and close them so the graceful wait is short."""
        super().handle_exit(sig, frame)
        if self._drained is None and getattr(self, "wsgi", None) is not None:
            # Not in the signal handler itself: draining takes locks the interrupted code may hold.
            self._drained = threading.Thread(target=self._drain, name="drain", daemon=True)
            self._drained.start()

    # Ctrl+C reaches the worker as SIGINT, and gunicorn's master passes it on as SIGQUIT:
    # both get the same drain as SIGTERM instead of an exit that skips it.
    handle_quit = handle_exit

    def _drain(self):
        from .app import drain

        drain(self.wsgi)

    def run(self):
        """Serve until stopped, then wait for the drain to finish."""
        super().run()
        if self._drained is not None:
            self._drained.join(timeout=self.cfg.graceful_timeout)


class _Deadline:
    """gunicorn's request parser, with a client too slow to send its request let go quietly.

    Without this, each timeout would be logged with a traceback as a socket error.
    """

    def __init__(self, parser):
        self._parser = parser

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._parser)
        except TimeoutError:
            raise StopIteration("no whole request in time") from None

    def __getattr__(self, name):
        return getattr(self._parser, name)


def _listening_host(sockets):
    """Point $HOST and $PORT at the first TCP listener, so the token rule sees the real address."""
    for listener in sockets:
        address = listener.sock.getsockname()
        if isinstance(address, tuple):
            os.environ["HOST"], os.environ["PORT"] = address[0], str(address[1])
            return
