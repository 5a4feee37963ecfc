"""Closing connections the way HTTP asks, without the event loop ever waiting on a client.

RFC 9112 §9.6: send FIN, then read what the client still sends until it closes too, so the
kernel does not answer unread bytes with a reset that could cut off the response. gunicorn's
threaded worker does that read on its main loop, blocking it for up to 2 s per connection: one
client a second that never closes stalls every accept. Here the reads are the poller's.
"""

import os
import selectors
import socket
import time

LINGER_S = 2.0
MAX_DRAIN = 64 * 1024


class Lingerer:
    """Connections being closed: each goes when its client closes, sends too much, or after LINGER_S."""

    def __init__(self, poller: selectors.BaseSelector):
        self._poller = poller
        self._closing = {}  # socket -> [deadline, bytes drained]

    def close(self, sock: socket.socket) -> None:
        """Send FIN, then let the client finish on its own time."""
        try:
            # Linger on a duplicate of the descriptor, as a plain socket (TLS or not, only bytes
            # are drained): whoever else closes `sock` meanwhile cannot free its number for the
            # next accepted connection while the poller still watches it.
            held = socket.socket(fileno=os.dup(sock.fileno()))
        except (OSError, ValueError):  # closed already: nothing to wait for
            _close(sock)
            return
        _close(sock)
        try:
            held.shutdown(socket.SHUT_WR)
            held.setblocking(False)
            self._poller.register(held, selectors.EVENT_READ, self._on_readable)
        except (OSError, ValueError, KeyError):  # reset already: nothing to wait for
            _close(held)
            return
        self._closing[held] = [time.monotonic() + LINGER_S, 0]

    def expire(self, now: float) -> None:
        """Close the connections whose time is up."""
        for sock, (deadline, _drained) in list(self._closing.items()):
            if now > deadline:
                self._done(sock)

    def close_all(self) -> None:
        """Close every connection now (the worker exits)."""
        for sock in list(self._closing):
            self._done(sock)

    def __len__(self):
        return len(self._closing)

    def _on_readable(self, sock):
        state = self._closing.get(sock)
        if state is None:  # closed already, by expire()
            return
        while True:
            try:
                data = sock.recv(MAX_DRAIN)
            except BlockingIOError:
                return
            except OSError:  # reset, or a TLS error on what is left
                break
            state[1] += len(data)
            if not data or state[1] >= MAX_DRAIN:
                break
        self._done(sock)

    def _done(self, sock):
        del self._closing[sock]
        try:
            self._poller.unregister(sock)
        except (KeyError, ValueError):
            pass
        _close(sock)


def _close(sock):
    try:
        sock.close()
    except OSError:
        pass
