"""Engine.IO's pings sent by one thread for every session, not by a sleeping thread each.

In threading mode python-engineio starts a thread per session that sleeps the ping interval
(25 s) before the first ping. A handshake is one small request, so a client making a thousand
a second had the server hold 25 000 threads, long after the sweeper closed the sessions
themselves. Here one timer thread sends each session its ping when it is due; a session that
is gone by then is skipped (and was never kept alive by waiting for it).
"""

import heapq
import itertools
import logging
import threading
import time
import weakref

from engineio import exceptions

from .library_patches import claim_ping, schedule_pings_with, send_ping

log = logging.getLogger(__name__)


def share_ping_timer(socketio) -> None:
    """Make every new Engine.IO session of `socketio` (threading mode) use one ping thread."""
    eio = socketio.server.eio
    if eio.async_mode != "threading":
        return  # a green thread per session costs next to nothing
    schedule_pings_with(socketio, PingTimer(eio.ping_interval).schedule)


class PingTimer:
    """Sends each scheduled session a PING `interval` seconds after it was scheduled."""

    def __init__(self, interval: float):
        self.interval = interval
        self._due = []  # (when, tie-breaker, weak reference to the session)
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread = None

    def schedule(self, session) -> None:
        """Ping `session` after the interval, as engineio's Socket.schedule_ping does."""
        if not claim_ping(session):  # a ping is already on its way
            return
        with self._changed:
            heapq.heappush(self._due, (time.monotonic() + self.interval, next(self._order),
                                       weakref.ref(session)))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="engineio-pings",
                                                daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self):
        while True:
            session = self._next_due()
            if session is None:
                continue
            try:
                send_ping(session)
            except exceptions.EngineIOError:  # closed meanwhile
                pass
            except Exception:  # one session's trouble must not stop every session's pings
                log.exception("could not ping session %s", session.sid)

    def _next_due(self):
        with self._changed:
            while True:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._due)[2]()
                self._changed.wait(wait)
