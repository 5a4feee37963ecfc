"""The bridge's Socket.IO side: a named source that sends one frame at a time, at the server's pace."""

import logging
import secrets
import threading

import socketio

from .backoff import Backoff
from .socketio_client import InOrderClient

log = logging.getLogger(__name__)


class _InFlight:
    """What the server has said about the frame being processed."""

    def __init__(self):
        self.seq = None
        self.done = False


class Uplink:
    """Connects to the server as source `name`, reconnects with backoff, and waits for each answer."""

    def __init__(self, url, name, token=None, response_timeout_s=5.0, connect_timeout_s=10.0,
                 on_processed=None, backoff=None):
        self.url = url
        self.name = name
        # The server reads the source name (and an optional shared token) from the Socket.IO auth.
        # The claim, made once here and kept across reconnects, proves to the server that a
        # reconnect is this bridge, so it gets its name back and nobody else can take it.
        self.auth = {"source": name, "claim": secrets.token_urlsafe(24),
                     **({"token": token} if token else {})}
        self.response_timeout_s = response_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.on_processed = on_processed
        self.backoff = backoff or Backoff(first=0.5, limit=10.0)
        self.sent = self.processed = self.refused = self.timeouts = self.connects = 0
        self._sio = None
        self._status = None  # the last source_status, sent again after every (re)connect
        self._cond = threading.Condition()
        self._flight = None
        self._stopping = False

    def __repr__(self):
        return f"Uplink({self.url!r}, source={self.name!r}, connected={self.connected})"

    @property
    def connected(self):
        """True while the Socket.IO connection is up."""
        sio = self._sio
        return sio is not None and sio.connected

    def run(self, slot, stop):
        """Connect, then send the newest frame whenever the previous one is answered (thread body)."""
        while not stop.is_set():
            if not self.connected:
                self._connect(stop)
            else:
                frame = slot.take(timeout=0.25)
                if frame is not None:
                    self._send(frame)

    def set_status(self, state, message):
        """Tell the server (and through it the viewers) whether the camera is live or stale."""
        self._status = {"state": state, "message": message}
        self._emit_status()

    def close(self):
        """Stop waiting and disconnect without blocking on the websocket's closing handshake."""
        self._stopping = True
        self._wake()
        sio, self._sio = self._sio, None
        if sio is not None:
            threading.Thread(target=sio.disconnect, daemon=True, name="uplink-close").start()

    def _connect(self, stop):
        # Our own retry loop rather than python-socketio's: it also covers the first attempt and refusals.
        sio = InOrderClient(reconnection=False)
        sio.on("response_back", self._on_response)
        sio.on("error", self._on_error)
        sio.on("disconnect", self._on_disconnect)
        try:
            sio.connect(self.url, auth=self.auth, transports=["websocket"],
                        wait_timeout=self.connect_timeout_s)
        except socketio.exceptions.ConnectionError as exc:
            delay = self.backoff.next()
            log.warning("server %s: %s; retrying in %.1f s", self.url, exc or "refused", delay)
            stop.wait(delay)
            return
        if stop.is_set():
            threading.Thread(target=sio.disconnect, daemon=True).start()
            return
        self._sio = sio
        self.connects += 1
        self.backoff.reset()
        log.info("connected to %s as source %r", self.url, self.name)
        self._emit_status()

    def _send(self, frame):
        flight = _InFlight()
        with self._cond:
            self._flight = flight

        def acked(answer=None):
            # Runs on the Socket.IO client's thread.
            with self._cond:
                if isinstance(answer, dict) and "error" in answer:
                    self.refused += 1
                    log.debug("frame refused: %s", answer["error"])
                    flight.done = True
                elif isinstance(answer, dict):
                    flight.seq = answer.get("seq")
                self._cond.notify_all()

        try:
            self._sio.emit("image", frame, callback=acked)
        except (socketio.exceptions.SocketIOError, AttributeError) as exc:
            log.debug("send failed, connection gone: %s", exc)
            return
        self.sent += 1
        with self._cond:
            answered = self._cond.wait_for(
                lambda: flight.done or self._stopping or not self.connected, self.response_timeout_s)
            self._flight = None
        if not answered:
            self.timeouts += 1
            log.warning("no answer from the server in %.1f s; sending the next frame",
                        self.response_timeout_s)

    def _emit_status(self):
        sio, status = self._sio, self._status
        if status is None or sio is None or not sio.connected:
            return
        try:
            sio.emit("source_status", status)
        except socketio.exceptions.SocketIOError as exc:
            log.debug("status not sent: %s", exc)

    def _on_response(self, payload, meta=None):
        self.processed += 1
        with self._cond:
            if self._flight is not None:
                self._flight.done = True
            self._cond.notify_all()
        # A server that emits from several threads can interleave a binary event's two packets;
        # what arrives then is not a frame. Skip it: the answer still counts for pacing.
        frame_like = isinstance(payload, bytes) or (isinstance(payload, str) and payload.startswith("data:"))
        if not frame_like:
            log.warning("server answered with a %s that is not a frame; skipped", type(payload).__name__)
        elif self.on_processed is not None:
            try:
                self.on_processed(payload, meta)
            except Exception:  # a faulty hook must not take the connection down (it runs on the read thread)
                log.exception("on_processed hook failed")

    def _on_error(self, error):
        log.warning("server error: %s", error)

    def _on_disconnect(self, *_reason):
        if not self._stopping:
            log.warning("disconnected from %s; reconnecting", self.url)
        self._wake()

    def _wake(self):
        with self._cond:
            self._cond.notify_all()
