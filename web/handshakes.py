"""Close Engine.IO connections that never become a Socket.IO client (no token, or nothing sent)."""

import logging
import threading
import time

from .library_patches import wrap_engineio_handler
from .transport import close_session

log = logging.getLogger(__name__)

# Seconds from the Engine.IO handshake to a Socket.IO connect that the server accepted.
HANDSHAKE_TIMEOUT_S = 10.0
SWEEP_INTERVAL_S = 1.0
# Engine.IO connections that have not joined, at most; a new one beyond closes the oldest.
MAX_UNJOINED = 256


class HandshakeSweeper:
    """Tracks each Engine.IO connection until it joins as a client, and drops it if it never does.

    A refused connect (no token, server busy) leaves the Engine.IO connection open, and so
    does a client that never sends its connect at all; each would hold its session, and a
    WebSocket its threads, until the ping timeout, 45 s later. This cuts that to
    HANDSHAKE_TIMEOUT_S, and bounds how many there are meanwhile: a flood of handshakes
    costs the oldest of them their place, never a joined client theirs.
    """

    def __init__(self, socketio, timeout_s=HANDSHAKE_TIMEOUT_S, max_unjoined=MAX_UNJOINED):
        self.server = socketio.server
        self.socketio = socketio
        self.timeout_s = timeout_s
        self.max_unjoined = max_unjoined
        self._opened = {}  # Engine.IO sid -> when its handshake came, oldest first
        self._lock = threading.Lock()
        self._stopped = False
        self._evicted = 0  # since the last sweep, logged there as one line
        wrap_engineio_handler(socketio, "connect", self._track)

    def _track(self, on_connect, eio_sid, environ, *args):
        with self._lock:
            self._opened[eio_sid] = time.monotonic()
            crowded = len(self._opened) > self.max_unjoined
        if crowded:
            self._evict_oldest()
        return on_connect(eio_sid, environ, *args)

    def start(self):
        """Start sweeping in the background."""
        self.socketio.start_background_task(self._run)

    def stop(self):
        """Stop sweeping."""
        self._stopped = True

    def _run(self):
        while not self._stopped:
            self.socketio.sleep(SWEEP_INTERVAL_S)
            try:
                self._sweep()
            except Exception:  # one session's trouble must not end the sweeping for all
                log.exception("sweeping handshakes failed; sweeping on")

    def _sweep(self):
        expired = self._expired()
        if expired:
            log.info("closing %d connection(s): no accepted Socket.IO connect in %g s",
                     len(expired), self.timeout_s)
        with self._lock:
            evicted, self._evicted = self._evicted, 0
        if evicted:
            log.warning("closed %d connection(s) that had not joined: more than %d at once",
                        evicted, self.max_unjoined)
        for eio_sid in expired:
            close_session(self.server.eio, eio_sid)

    def _expired(self):
        now = time.monotonic()
        expired = []
        with self._lock:
            for eio_sid, opened in list(self._opened.items()):
                if self._gone_or_joined(eio_sid):
                    del self._opened[eio_sid]
                elif now - opened > self.timeout_s:
                    del self._opened[eio_sid]
                    expired.append(eio_sid)
        return expired

    def _evict_oldest(self):
        with self._lock:
            oldest = None
            for eio_sid in list(self._opened):
                del self._opened[eio_sid]
                if not self._gone_or_joined(eio_sid):
                    oldest = eio_sid
                    self._evicted += 1
                    break
        if oldest is not None:
            close_session(self.server.eio, oldest)

    def _gone_or_joined(self, eio_sid):
        if eio_sid not in self.server.eio.sockets:
            return True
        sid = self.server.manager.sid_from_eio_sid(eio_sid, "/")
        return sid is not None and self.server.manager.is_connected(sid, "/")
