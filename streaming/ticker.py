"""Once per interval: each client's `stats`, and a disconnect for a client idle too long."""

import logging
import time
from typing import Callable

from protocol import error_body

from .client import Client
from .runtime import Runtime

log = logging.getLogger(__name__)


class StatsTicker:
    """Sends every client its telemetry and drops idle clients; runs as one background task."""

    def __init__(self, clients: dict[str, Client], runtime: Runtime, emit: Callable[..., object],
                 kick: Callable[[str], object], idle_timeout: float, interval: float = 1.0):
        self.clients = clients  # sid -> Client, shared with the hub
        self.runtime = runtime
        self.emit = emit
        self.kick = kick  # sid -> None: close that client's connection
        self.idle_timeout = idle_timeout
        self.interval = interval
        self._running = False

    def start(self) -> None:
        """Start ticking in a background task."""
        self._running = True
        self.runtime.start_task(self._run)

    def stop(self) -> None:
        """Stop after the current tick."""
        self._running = False

    def _run(self):
        while self._running:
            self.runtime.sleep(self.interval)
            now = time.monotonic()
            for client in list(self.clients.values()):
                if now - client.last_active > self.idle_timeout:
                    self._drop_idle(client)
                else:
                    self.emit("stats", client.stats.snapshot(), to=client.sid)

    def _drop_idle(self, client):
        log.info("client %s: idle for %.0f s, disconnecting", client.sid, self.idle_timeout)
        self.emit("error", error_body("idle_timeout",
                                      f"nothing sent or watched for {self.idle_timeout:g} s"),
                  to=client.sid)
        self.kick(client.sid)
