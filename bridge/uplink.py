"""The bridge's Socket.IO side: a named source that keeps a few frames in flight, as many as the link needs."""

import logging
import secrets
import threading
import time

import socketio

from .backoff import Backoff
from .flow import FlowControl
from .socketio_client import InOrderClient

log = logging.getLogger(__name__)


# Refusals that waiting cannot fix, and what the person at the bridge should do instead.
FATAL = {
    "unauthorized": "Give the server's access token with --token or $ACCESS_TOKEN: it is the "
                    "#token=… part of the link the server printed at start-up",
    "source_taken": "Another camera publishes as '{name}': give this one another --name",
    "bad_source_name": "Give --name 1-32 letters, digits, '.', '_' or '-'",
    "bad_claim": "This bridge's name claim was refused; restart it",
}

class Uplink:
    """Connects to the server as source `name`, reconnects with backoff, and paces frames by the answers.

    FlowControl (flow.py) decides how many frames may be unanswered at once: enough to fill the
    round trip at the camera's rate, fewer as soon as the link starts to queue.
    """

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
        self.processed = self.connects = 0
        self.flow = FlowControl(timeout_s=response_timeout_s)
        self._sio = None
        self._status = None  # the last source_status, sent again after every (re)connect
        self._cond = threading.Condition()  # guards self.flow: the read thread answers, run() sends
        self._stopping = False
        self.refusal = None  # the server's refusal that ended the uplink, if one did

    def __repr__(self):
        return f"Uplink({self.url!r}, source={self.name!r}, connected={self.connected})"

    sent = property(lambda self: self.flow.sent, doc="Frames sent.")
    refused = property(lambda self: self.flow.refused, doc="Frames the server refused.")
    timeouts = property(lambda self: self.flow.timeouts, doc="Frames given up on unanswered.")

    @property
    def connected(self):
        """True while the Socket.IO connection is up."""
        sio = self._sio
        return sio is not None and sio.connected

    def run(self, slot, stop):
        """Connect, then send the newest frame whenever the window has room (thread body)."""
        while not stop.is_set():
            if not self.connected:
                self._connect(stop)
            elif self._wait_for_room():
                frame = slot.take(timeout=0.25)
                if frame is not None:
                    self.flow.target_fps = slot.fps() or None
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
        refusals = []
        sio.on("connect_error", refusals.append)
        try:
            sio.connect(self.url, auth=self.auth, transports=["websocket"],
                        wait_timeout=self.connect_timeout_s)
        except socketio.exceptions.ConnectionError as exc:
            refused = refusals[0] if refusals and isinstance(refusals[0], dict) else {}
            data = refused.get("data") if isinstance(refused.get("data"), dict) else {}
            # The server's own words say what to fix (the token), and when to try again.
            retry = data.get("retry_after")
            message = refused.get("message") or str(exc) or "refused"
            if data.get("code") in FATAL and retry is None:
                # Waiting cannot fix this one: say so in the server's words, and what to do.
                self.refusal = {"code": data["code"], "message": message}
                log.error("server %s refused the camera: %s. %s", self.url, message,
                          FATAL[data["code"]].format(name=self.name))
                stop.set()
                return
            wait = min(float(retry), 60.0) if isinstance(retry, (int, float)) else 0.0
            delay = max(self.backoff.next(), wait)
            log.warning("server %s: %s; retrying in %.1f s", self.url, message, delay)
            stop.wait(delay)
            return
        if stop.is_set():
            threading.Thread(target=sio.disconnect, daemon=True).start()
            return
        with self._cond:
            self.flow.reset()  # a new connection numbers its frames afresh
        self._sio = sio
        self.connects += 1
        self.backoff.reset()
        log.info("connected to %s as source %r", self.url, self.name)
        self._emit_status()

    def _wait_for_room(self):
        """Wait up to 0.25 s for the window to have room; True if it has."""
        with self._cond:
            expired = self.flow.timeouts
            room = self._cond.wait_for(
                lambda: self.flow.can_send(time.monotonic()) or self._stopping or not self.connected,
                0.25)
            if self.flow.timeouts > expired:
                log.warning("no answer from the server in %.1f s; starting again from a small window",
                            self.response_timeout_s)
            return room and self.connected and not self._stopping

    def _send(self, frame):
        with self._cond:
            flight = self.flow.on_sent(time.monotonic())

        def acked(answer=None):
            # Runs on the Socket.IO client's thread.
            with self._cond:
                if isinstance(answer, dict) and "error" in answer:
                    log.debug("frame refused: %s", answer["error"])
                    self.flow.on_refused(flight)
                elif isinstance(answer, dict):
                    self.flow.on_ack(flight, answer.get("seq"), time.monotonic())
                self._cond.notify_all()

        try:
            self._sio.emit("image", frame, callback=acked)
        except (socketio.exceptions.SocketIOError, AttributeError) as exc:
            log.debug("send failed, connection gone: %s", exc)

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
            seq = meta.get("seq") if isinstance(meta, dict) else None
            if seq is None:  # a server that does not number its answers: the oldest frame is done
                seq = next((f.seq for f in self.flow.flights.values() if f.seq is not None), 0)
            self.flow.on_answer(seq, time.monotonic())
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
