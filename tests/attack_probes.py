"""What a token holder sees while an attack goes on: /healthz, a newcomer, a streaming client, memory."""

import re
import ssl
import threading
import time
import urllib.request

import pytest

from .images import face_jpeg
from .socket_client import RecordingClient


class HealthProbe:
    """GETs /healthz over and over, keeping how long each answer took (None: no answer in time)."""

    def __init__(self, url, every_s=0.2, timeout_s=3.0):
        self.url, self.every_s, self.timeout_s = url + "/healthz", every_s, timeout_s
        self.latencies = []
        self._running = True
        self._thread = threading.Thread(target=self._run, name="health-probe", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._running = False
        self._thread.join(timeout=self.timeout_s + 2)

    def worst(self):
        """Return the slowest answer in seconds (inf if one never came)."""
        return max((float("inf") if t is None else t for t in self.latencies), default=0.0)

    def _run(self):
        context = ssl._create_unverified_context()  # the test servers' certificate is self-signed
        while self._running:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=self.timeout_s, context=context):
                    self.latencies.append(time.monotonic() - started)
            except OSError:
                self.latencies.append(None)
            time.sleep(max(0.0, self.every_s - (time.monotonic() - started)))


def connect_with_token(url, token):
    """Return a connected client holding the token, its first `settings` consumed."""
    client = RecordingClient(url, ssl_verify=False, auth={"token": token})
    client.next("settings")
    return client


class NewcomerProbe:
    """A new token holder every few seconds: connects, sends a frame, times the first answer."""

    def __init__(self, url, token, every_s=2.0, timeout_s=10.0):
        self.url, self.token, self.every_s, self.timeout_s = url, token, every_s, timeout_s
        self.times = []  # seconds from connecting to the first processed frame (None: failed)
        self.failures = []  # why each failed one failed, so a miss in CI says what happened
        self._running = True
        self._thread = threading.Thread(target=self._run, name="newcomer-probe", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._running = False
        self._thread.join(timeout=self.timeout_s * 2 + 2)

    def worst(self):
        return max((float("inf") if t is None else t for t in self.times), default=0.0)

    def _run(self):
        jpeg = face_jpeg()
        while self._running:
            started = time.monotonic()
            client = None
            try:
                client = connect_with_token(self.url, self.token)
                client.sio.emit("image", jpeg)
                client.next("response_back", timeout=self.timeout_s)
                self.times.append(time.monotonic() - started)
            except Exception as exc:  # any failure to connect or to get a frame back is a miss
                self.times.append(None)
                self.failures.append(f"{type(exc).__name__}: {exc}"[:200])
            finally:
                if client is not None:
                    client.close()
            time.sleep(max(0.0, self.every_s - (time.monotonic() - started)))


class HonestClient:
    """A token holder streaming the face photo at `fps`, counting the frames that come back."""

    def __init__(self, url, token, fps=6.0):
        self.client = connect_with_token(url, token)
        self.fps = fps
        self.answers = []  # when each response_back arrived
        self._running = True
        self.client.sio.on("response_back", lambda *_: self.answers.append(time.monotonic()))
        self._thread = threading.Thread(target=self._run, name="honest-client", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def rate(self, start, end):
        """Return the frames a second that came back between monotonic times `start` and `end`."""
        return sum(1 for when in self.answers if start <= when < end) / (end - start)

    def stop(self):
        self._running = False
        self._thread.join(timeout=5)
        self.client.close()

    def _run(self):
        jpeg = face_jpeg()
        next_send = time.monotonic()
        while self._running and self.client.sio.connected:
            self.client.sio.emit("image", jpeg)
            next_send += 1 / self.fps
            time.sleep(max(0.0, next_send - time.monotonic()))


def server_token(server):
    """Return the access token of a server started with --public: as given it, or as it printed it."""
    given = getattr(server, "token", None)
    return given or re.search(r"#token=([\w-]+)", server.log()).group(1)


class PeakMemory:
    """Samples a server's resident memory (with its pipeline processes) while it runs."""

    def __init__(self, server, every_s=0.02):
        self.server, self.every_s = server, every_s
        self.before = self.peak = server.rss_mb()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="memory", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join(timeout=5)

    def growth_mb(self):
        """Return how far memory rose above where it was at the start, in MiB."""
        return self.peak - self.before

    def _run(self):
        while self._running:
            self.peak = max(self.peak, self.server.rss_mb())
            time.sleep(self.every_s)


def wait_up(server, seconds=90):
    """Block until `server` answers /healthz (over HTTPS too); fail with its log if it never does."""
    deadline = time.monotonic() + seconds
    context = ssl._create_unverified_context()
    while True:
        assert server.proc.poll() is None, server.log()
        try:
            urllib.request.urlopen(server.url + "/healthz", timeout=2, context=context)
            return
        except OSError:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.3)


@pytest.fixture(scope="module")
def attacked_server(shared_server):
    """The session's server in its default configuration, not the browser tests' one."""
    return shared_server()
