"""The bridge: a camera reader, a newest-frame slot, the uplink to the server and a stale watchdog."""

import logging
import threading
import time

from protocol import SOURCE_NAME_RULE, is_source_name

from .latest import LatestJpeg
from .uplink import Uplink
from .watchdog import StaleWatch

log = logging.getLogger(__name__)


class Bridge:
    """Relays frames from `camera` to the server as source `name`; start() returns at once."""

    def __init__(self, camera, server_url, name, token=None, stale_after_s=5.0,
                 response_timeout_s=5.0, stats_every_s=10.0, on_processed=None, on_status=None,
                 uplink=None):
        if not is_source_name(name):
            raise ValueError(f"source name {name!r}: use {SOURCE_NAME_RULE}")
        self.camera = camera
        self.slot = LatestJpeg()
        # `uplink` stands in for the Socket.IO uplink where the server runs the camera itself
        # (streaming/local_source.py): same run(slot, stop), set_status and close.
        self.uplink = uplink or Uplink(server_url, name, token=token,
                                       response_timeout_s=response_timeout_s,
                                       on_processed=on_processed)
        self.watch = StaleWatch(self.slot, stale_after_s, self._report_status, name=name)
        self.on_status = on_status
        self.stats_every_s = stats_every_s
        self._stop = threading.Event()
        self._threads = []

    def __repr__(self):
        return f"Bridge({self.camera!r} -> {self.uplink!r})"

    def start(self):
        """Open the camera (errors surface here) and start the reader, uplink and watchdog threads."""
        self.camera.open()
        for name, target in (("camera", self._read), ("uplink", self.uplink.run),
                             ("watchdog", self._watch)):
            thread = threading.Thread(target=target, args=(self.slot, self._stop),
                                      name=f"bridge-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout_s=5.0):
        """Stop every thread and disconnect; return True if they all ended in time."""
        self._stop.set()
        self.camera.close()
        self.uplink.close()
        for thread in self._threads:
            thread.join(timeout_s)
        return not any(thread.is_alive() for thread in self._threads)

    def alive(self):
        """True while the reader, uplink and watchdog threads all run."""
        return bool(self._threads) and all(thread.is_alive() for thread in self._threads)

    def wait(self):
        """Block until stop() or Ctrl-C (for the command line)."""
        # Sleep and poll rather than wait on the Event: a Ctrl-C landing inside Event.wait can
        # leave its lock held, and stop() would then hang forever setting that same Event.
        while not self._stop.is_set():
            time.sleep(0.5)

    def stats(self):
        """Return counters for logs and tests."""
        return {
            "camera_frames": self.slot.received, "dropped": self.slot.dropped,
            "sent": self.uplink.sent, "processed": self.uplink.processed,
            "refused": self.uplink.refused, "timeouts": self.uplink.timeouts,
            "server_connects": self.uplink.connects, "camera": self.watch.state,
        }

    def _read(self, slot, stop):
        try:
            self.camera.run(slot, stop)
        except Exception:  # the reader must not die silently: say why, then the watchdog reports stale
            log.exception("camera reader %r failed", self.camera)

    def _watch(self, slot, stop):
        last_log = 0.0
        while not stop.wait(0.25):
            self.watch.check()
            last_log += 0.25
            if last_log >= self.stats_every_s:
                last_log = 0.0
                log.info("%s", " ".join(f"{k}={v}" for k, v in self.stats().items()))

    def _report_status(self, state, message):
        self.uplink.set_status(state, message)
        if self.on_status is not None:
            self.on_status(state, message)
