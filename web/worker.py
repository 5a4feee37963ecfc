"""gunicorn's threaded worker with an event-driven intake: threads serve whole requests only.

gunicorn's gthread gives every new connection a thread, which then waits for the TLS handshake,
the head and the body with no overall deadline, and its main loop blocks up to 2 s closing each
`Connection: close` client. Here the main loop reads every request whole (web/intake.py) and
closes connections (web/linger.py) without waiting on anyone; threads run the app. Socket.IO's
long-polls and WebSockets, which hold their thread while open, get a pool of their own, so
they can never take the threads that page loads and /healthz need.
"""

import concurrent.futures
import errno
import logging
import os
import selectors
import threading
import time
from functools import partial

from gunicorn import sock as gunicorn_sock
from gunicorn.workers.gthread import STOP_KEEPALIVE_LINGER, TConn, ThreadWorker

from . import intake
from .linger import Lingerer

log = logging.getLogger(__name__)

WORKER_BOOT_ERROR = 3  # gunicorn.arbiter.Arbiter.WORKER_BOOT_ERROR
SWEEP_EVERY_S = 0.25
ACCEPT_PAUSE_S = 0.5


class Connection(TConn):
    """A connection whose request the intake has already read: a thread only parses it."""

    def init(self):
        """Bound the thread's parse, which reads from memory: a safety net, should it not."""
        self.initialized = True
        self.sock.settimeout(intake.REQUEST_TIMEOUT_S)


class SocketIOWorker(ThreadWorker):
    """A gthread worker with a non-blocking intake, two thread pools and a drain on stop."""

    _drained = None
    socket_pool = None

    def init_process(self):
        """Set up the intake before gunicorn's loop starts."""
        self._intakes = {}  # file descriptor -> Intake
        self._next_sweep = 0.0
        self._accept_paused_until = 0.0
        self._tls = gunicorn_sock.ssl_context(self.cfg) if self.cfg.is_ssl else None
        self._max_body = None
        self._lingerer = None  # made in run(), once gunicorn has made the poller
        super().init_process()

    def load_wsgi(self):
        """Load the app with the address it really listens on, then check it can serve here."""
        from .cli import START_UP_ERRORS, announce
        from .compat import check_served_by
        from .serving import body_limit, socket_threads

        _listening_host(self.sockets)
        try:
            super().load_wsgi()
            check_served_by(self.wsgi, self.cfg)
        except START_UP_ERRORS as exc:
            log.error("%s", exc)
            # Not sys.exit: Python would then wait for ever on what the app had started before
            # the error (its pipeline processes). gunicorn's master then stops, not retrying.
            logging.shutdown()
            os._exit(WORKER_BOOT_ERROR)

        config = self.wsgi.config["STREAM"]
        self._max_body = body_limit(config)
        self.socket_pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=socket_threads(config), thread_name_prefix="socketio")
        announce(config, self.cfg.is_ssl, self.wsgi.config["ACCESS_TOKEN"])

    # The intake: every connection, new or kept alive, is read here until its request is whole.

    def accept(self, listener):
        """Take a new connection into the intake; no thread is involved yet."""
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno in (errno.EMFILE, errno.ENFILE):
                # Out of descriptors (worker_connections is set to fit, but files count too):
                # wait a moment rather than spin on a listener that stays readable.
                log.warning("out of file descriptors with %d connections; pausing accepts",
                            self.nr_conns)
                self._accept_paused_until = time.monotonic() + ACCEPT_PAUSE_S
                self.set_accept_enabled(False)
            elif exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = Connection(self.cfg, sock, client, listener.getsockname())
        self._take_in(intake.Intake(conn, self._max_body, tls=self._tls))

    def set_accept_enabled(self, enabled):
        """Accept again when gunicorn asks, unless accepting is paused (out of descriptors)."""
        super().set_accept_enabled(enabled and time.monotonic() >= self._accept_paused_until)

    def _take_in(self, reading):
        # Registered by descriptor: the TLS handshake swaps the socket object, not its fd.
        self._intakes[reading.fd] = reading
        try:
            self.poller.register(reading.fd, selectors.EVENT_READ, partial(self._on_ready, reading))
        except KeyError:  # a closed socket's number, reused before its entry was dropped
            self.poller.unregister(reading.fd)
            self.poller.register(reading.fd, selectors.EVENT_READ, partial(self._on_ready, reading))
        self._on_ready(reading)  # bytes may be waiting already (pipelined, or inside TLS)

    def _on_ready(self, reading, _fd=None):
        if self._intakes.get(reading.fd) is not reading:
            return  # an event that was waiting when the connection was let go
        state = reading.advance()
        if state in (intake.WAIT_READ, intake.WAIT_WRITE):
            events = selectors.EVENT_READ if state == intake.WAIT_READ else selectors.EVENT_WRITE
            key = self.poller.get_key(reading.fd)
            if key.events != events:
                self.poller.modify(reading.fd, events, key.data)
            return
        self._forget(reading)
        if state == intake.READY:
            reading.hand_over()
            reading.conn.initialized = True  # gthread's handle() then goes straight to parsing
            reading.conn.long_lived = reading.long_lived
            self.enqueue_req(reading.conn)
            return
        if state == intake.REFUSE:
            intake.send_quietly(reading.conn.sock, reading.refusal)
        self._let_go(reading.conn)

    def _forget(self, reading):
        del self._intakes[reading.fd]
        self.poller.unregister(reading.fd)

    def _let_go(self, conn):
        self.nr_conns -= 1
        self._lingerer.close(conn.sock)

    def murder_pending(self):
        """Let go of requests past their deadline, and of lingering closes past theirs."""
        # gunicorn calls this after every batch of events; a look a quarter second is plenty.
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY_S
        for reading in [r for r in self._intakes.values() if r.expired(now)]:
            self._forget(reading)
            self._let_go(reading.conn)
        self._lingerer.expire(now)

    def _cap_keepalive(self, deadline):
        """On stop, kept-alive connections that sent nothing may wait until `deadline` only."""
        super()._cap_keepalive(deadline)
        for reading in self._intakes.values():
            reading.cap_idle(deadline)

    # Threads: whole requests only, on the pool that fits how long they hold it.

    def enqueue_req(self, conn):
        """Serve the request in a thread; long-polls and WebSockets in the Socket.IO pool."""
        pool = self.socket_pool if getattr(conn, "long_lived", False) else self.tpool
        future = pool.submit(self.handle, conn)
        future.add_done_callback(lambda done: self.method_queue.defer(self.finish_request, conn, done))

    def finish_request(self, conn, fs):
        """Read the connection's next request in the intake, or close it without waiting."""
        keep_alive = not fs.cancelled() and fs.exception() is None and fs.result() is True
        if not keep_alive:
            self._let_go(conn)
            return
        conn.sock.setblocking(False)
        idle = self.cfg.keepalive if self.alive else STOP_KEEPALIVE_LINGER
        self._take_in(intake.Intake(conn, self._max_body, idle_s=idle))

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

    # Stopping.

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
        self._lingerer = Lingerer(self.poller)
        super().run()
        self._lingerer.close_all()
        if self.socket_pool is not None:
            self.socket_pool.shutdown(wait=False)
        if self._drained is not None:
            self._drained.join(timeout=self.cfg.graceful_timeout)


def _listening_host(sockets):
    """Point $HOST and $PORT at the first TCP listener, so the token rule sees the real address."""
    for listener in sockets:
        address = listener.sock.getsockname()
        if isinstance(address, tuple):
            os.environ["HOST"], os.environ["PORT"] = address[0], str(address[1])
            return
