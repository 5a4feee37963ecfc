"""Close Engine.IO connections that never become a Socket.IO client (no token, or nothing sent)."""

import logging
import socket
import threading
import time

from engineio.async_drivers import _websocket_wsgi

log = logging.getLogger(__name__)

# Seconds from the Engine.IO handshake to a Socket.IO connect that the server accepted.
HANDSHAKE_TIMEOUT_S = 10.0
SWEEP_INTERVAL_S = 1.0


class HandshakeSweeper:
    """Tracks each Engine.IO connection until it joins as a client, and drops it if it never does.

    A refused connect (no token, server busy) leaves the Engine.IO connection open, and so
    does a client that never sends its connect at all; each would hold a thread until the
    ping timeout, 45 s later. This cuts that to HANDSHAKE_TIMEOUT_S.
    """

    def __init__(self, socketio, timeout_s=HANDSHAKE_TIMEOUT_S):
        self.server = socketio.server
        self.socketio = socketio
        self.timeout_s = timeout_s
        self._opened = {}  # Engine.IO sid -> when its handshake came
        self._lock = threading.Lock()
        self._stopped = False
        eio = self.server.eio
        on_connect = eio.handlers["connect"]

        def track(eio_sid, environ, *args):
            with self._lock:
                self._opened[eio_sid] = time.monotonic()
            return on_connect(eio_sid, environ, *args)

        eio.handlers["connect"] = track
        _tolerate_cut_sockets()

    def start(self):
        """Start sweeping in the background."""
        self.socketio.start_background_task(self._run)

    def stop(self):
        """Stop sweeping."""
        self._stopped = True

    def _run(self):
        while not self._stopped:
            self.socketio.sleep(SWEEP_INTERVAL_S)
            for eio_sid in self._expired():
                log.info("closing %s: no accepted Socket.IO connect in %g s", eio_sid, self.timeout_s)
                connection = self.server.environ.get(eio_sid, {}).get("gunicorn.socket")
                self.server.eio.disconnect(eio_sid)
                if connection is not None:
                    _cut(connection)

    def _expired(self):
        now = time.monotonic()
        expired = []
        with self._lock:
            for eio_sid, opened in list(self._opened.items()):
                if eio_sid not in self.server.eio.sockets or self._joined(eio_sid):
                    del self._opened[eio_sid]
                elif now - opened > self.timeout_s:
                    del self._opened[eio_sid]
                    expired.append(eio_sid)
        return expired

    def _joined(self, eio_sid):
        sid = self.server.manager.sid_from_eio_sid(eio_sid, "/")
        return sid is not None and self.server.manager.is_connected(sid, "/")


def _cut(connection):
    """Shut a TCP connection down, so the threads blocked reading from it wake up and end.

    Closing the WebSocket only sends a close frame; a peer that never answers it would keep
    the connection, and the three threads that serve it, until it went away by itself.
    """
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the peer
        pass


def _tolerate_cut_sockets():
    """Let Engine.IO's writer thread close a WebSocket whose TCP connection was already cut.

    After _cut, the reader ends and gunicorn closes the socket; the writer then says goodbye
    on a closed descriptor, and the OSError (EBADF) would print a traceback from its thread.
    """
    wrapper = _websocket_wsgi.SimpleWebSocketWSGI
    if getattr(wrapper.close, "tolerates_cut", False):
        return
    close = wrapper.close

    def close_unless_cut(self):
        try:
            close(self)
        except OSError:  # the connection is already gone: nothing left to tell the peer
            pass

    close_unless_cut.tolerates_cut = True
    wrapper.close = close_unless_cut
