"""Push JPEGs to a bridge over a WebSocket, as the hackathon ESP32-CAM sketch (seed 002) does."""

import logging
import threading

import websocket

from .faults import FaultPlan, paced_frames

log = logging.getLogger(__name__)

HELLO = "hello from ESP32 camera stream!"


class PushCameraSimulator:
    """Connects to `url`, says hello, then sends one binary message per JPEG; redials when cut off."""

    def __init__(self, url, jpegs, plan=None, fps=10.0, redial_s=1.0):
        self.url = url
        self.jpegs = list(jpegs)
        self.plan = plan or FaultPlan()
        if "bad_length" in self.plan.faults:
            log.warning("bad_length is an MJPEG fault; a WebSocket message carries its own length")
        self.period = 1.0 / fps
        self.redial_s = redial_s
        self.connections = 0
        self.sent = 0
        self._stop = threading.Event()
        self._thread = None
        self._ws = None

    def __repr__(self):
        return f"PushCameraSimulator({_without_key(self.url)!r}, {self.plan!r})"

    def start(self):
        """Run in a background thread; return self."""
        self._thread = threading.Thread(target=self._run, name="simulated-push", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s=5.0):
        """Stop sending and close the connection."""
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.shutdown()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self):
        while not self._stop.is_set():
            try:
                self._ws = websocket.create_connection(self.url, timeout=5)
                self.connections += 1
                self._ws.send(HELLO)
                self._send_frames(self._ws)
            except (OSError, websocket.WebSocketException) as exc:
                if not self._stop.is_set():
                    log.info("push to %s failed: %s; redialling in %.1f s", _without_key(self.url),
                             exc, self.redial_s)
            finally:
                if self._ws is not None:
                    self._ws.shutdown()
            self._stop.wait(self.redial_s)

    def _send_frames(self, ws):
        for jpeg, fault in paced_frames(self.jpegs, self.plan, self.period, self._stop):
            if fault == "drop":
                ws.shutdown()  # no close frame: the camera just vanishes
                return
            if fault == "truncated":
                ws.send_binary(jpeg[:len(jpeg) // 2])
            elif fault == "garbage":
                ws.send_binary(self.plan.garbage())
            ws.send_binary(jpeg)
            self.sent += 1


def _without_key(url):
    """Return `url` without its query, where the listener's key rides: keys stay out of logs."""
    return url.split("?", 1)[0]
