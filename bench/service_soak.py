"""The service soak: phones, flapping bridges, recordings and a scanner at once, beside an honest client.

It samples the server's threads, file descriptors and memory (PSS of every process) and the
honest client's rate while everything runs, and reports each at the start and the end with
its trend: a service left on the internet for a week must not grow with what it has seen.
"""

import http.client
import json
import logging
import random
import secrets
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import psutil
import socketio

from harness.frames import SIZES, face_at, jpeg
from harness.server import ServerProcess
from harness.stats import summary

log = logging.getLogger(__name__)

HONEST_FPS = 6
STRANGER = "127.0.0.3"  # the scanner's address: any 127.x.y.z is this machine
SCAN_PATHS = ("/admin", "/.env", "/wp-login.php", "/video/kitchen.mjpg", "/api/media",
              "/snapshot/door.jpg", "/cameras.json", "/socket.io/?EIO=4&transport=polling")

def _client(url, auth):
    client = socketio.Client(reconnection=False)
    client.connect(url, transports=["websocket"], auth=auth, wait_timeout=10)
    return client

class Honest(threading.Thread):
    """A phone with the token sending the face at 6 FPS, one frame in flight, timing answers."""

    def __init__(self, url, token, frame, until):
        super().__init__(daemon=True)
        self.answers = []  # monotonic times of answers
        self._answered = threading.Event()
        self.client = _client(url, {"token": token})
        self.client.on("response_back", lambda *_: (self.answers.append(time.monotonic()),
                                                     self._answered.set()))
        self.frame, self.until = frame, until

    def run(self):
        while time.monotonic() < self.until:
            started = time.monotonic()
            self._answered.clear()
            self.client.emit("image", self.frame)
            self._answered.wait(2.0)
            time.sleep(max(0.0, started + 1 / HONEST_FPS - time.monotonic()))
        self.client.disconnect()

    def rate(self, start, end):
        return sum(start <= t < end for t in self.answers) / (end - start)

def _phones(url, token, frame, until):
    """Phones join, send a few frames and leave; one in three drops off mid-handshake."""
    while time.monotonic() < until:
        if random.random() < 1 / 3:
            with socket.create_connection(_address(url), timeout=5) as sock:
                sock.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        else:
            try:
                phone = _client(url, {"token": token})
                for _ in range(random.randint(3, 10)):
                    phone.emit("image", frame)
                    time.sleep(1 / HONEST_FPS)
                phone.disconnect()
            except Exception as exc:  # refused (busy, say): the soak goes on, and says so
                log.debug("a phone could not connect: %s", exc)
        time.sleep(random.uniform(0.3, 1.0))

def _bridge(url, token, frame, name, until):
    """A named camera that publishes for a few seconds, drops, and comes back with its claim."""
    claim = secrets.token_urlsafe(24)
    while time.monotonic() < until:
        try:
            bridge = _client(url, {"token": token, "source": name, "claim": claim})
            stop = min(until, time.monotonic() + random.uniform(3, 8))
            while time.monotonic() < stop:
                bridge.emit("image", frame)
                time.sleep(0.1)
            bridge.eio.disconnect(abort=True)  # a flap: gone without a goodbye
        except Exception as exc:
            log.debug("bridge %s could not connect: %s", name, exc)
        time.sleep(1.0)

def _recordings(url, token, names, until, results):
    """Start a recording of a bridge every few seconds and stop it a few seconds later."""
    while time.monotonic() < until:
        status, answer = _call("POST", url + "/api/recordings", token,
                               {"source": random.choice(names)})
        results[status] = results.get(status, 0) + 1
        time.sleep(random.uniform(2, 5))
        if status == 201:
            _call("POST", f"{url}/api/recordings/{answer['id']}/stop", token, {})
        time.sleep(1.0)

def _scanner(url, until):
    """What the internet sends a public server: probes, bad tokens, a trickle that gives up.

    From an address of its own (127.0.0.3), as a stranger's would be: its wrong tokens make
    that address wait (web/guesses.py), not the phones and bridges beside it.
    """
    while time.monotonic() < until:
        path = random.choice(SCAN_PATHS)
        _probe(url + path, random.choice([None, "wrong-token"]))
        try:
            with socket.create_connection(_address(url), timeout=5) as sock:
                sock.sendall(b"GET / HT")  # a trickle, abandoned
        except OSError:
            pass
        time.sleep(0.2)

def _probe(url, token):
    """GET `url` from 127.0.0.3 with `token` (or none); network errors are the scanner's own."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10,
                                      source_address=(STRANGER, 0))
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"Authorization": f"Bearer {token}"} if token else {})
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()

def _address(url):
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)

def _call(method, url, token, body=None):
    """Return (status, JSON answer or {}) of an HTTP call; network errors read as status 0."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return response.status, json.loads(text) if text[:1] == b"{" else {}
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError):
        return 0, {}

def _sample(server):
    """Return the server's threads, open files and PSS (MiB), summed over its processes."""
    threads = fds = pss = 0
    for process in [server.process, *server.process.children(recursive=True)]:
        try:
            threads += process.num_threads()
            fds += process.num_fds()
            pss += process.memory_full_info().pss
        except psutil.NoSuchProcess:
            continue
    return {"threads": threads, "fds": fds, "pss_mb": round(pss / 2**20, 1)}

def _trend(times, values):
    """Return the least-squares slope of `values` over `times`, per minute."""
    n = len(times)
    if n < 2:
        return 0.0
    mean_t, mean_v = sum(times) / n, sum(values) / n
    spread = sum((t - mean_t) ** 2 for t in times)
    slope = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values)) / spread if spread else 0
    return round(slope * 60, 2)

def run(duration=60.0, sample_every=5.0):
    """Run the soak for `duration` seconds; return samples, start, end and trends."""
    frame = jpeg(face_at(*SIZES["640x480"]))
    with tempfile.TemporaryDirectory() as data_dir:
        server = ServerProcess("--log-level", "WARNING", "--data-dir", data_dir).wait_ready()
        try:
            return _soak(server, frame, duration, sample_every)
        finally:
            server.stop()

def _soak(server, frame, duration, sample_every):
    url, token = server.url, server.token
    started = time.monotonic()
    until = started + duration
    honest = Honest(url, token, frame, until)
    names = ["porch", "yard"]
    recordings = {}
    workers = [honest,
               threading.Thread(target=_phones, args=(url, token, frame, until)),
               threading.Thread(target=_scanner, args=(url, until)),
               threading.Thread(target=_recordings, args=(url, token, names, until, recordings)),
               *(threading.Thread(target=_bridge, args=(url, token, frame, n, until)) for n in names)]
    for worker in workers:
        worker.daemon = True
        worker.start()
    samples = []
    while time.monotonic() < until:
        time.sleep(min(sample_every, max(0.0, until - time.monotonic())))
        now = time.monotonic()
        samples.append({"t": round(now - started, 1), **_sample(server),
                        "honest_fps": round(honest.rate(max(started, now - sample_every), now), 2)})
    for worker in workers:
        worker.join(timeout=15)
    time.sleep(2.0)  # connections the soak left close; what stays is what leaked
    settled = _sample(server)
    steady = samples[1:] or samples  # the first window includes the warm-up
    times = [s["t"] for s in steady]
    return {
        "duration_s": duration, "samples": samples, "after_leave": settled,
        "start": samples[0] if samples else {}, "end": samples[-1] if samples else {},
        "trend_per_min": {key: _trend(times, [s[key] for s in steady])
                          for key in ("threads", "fds", "pss_mb", "honest_fps")},
        "honest_fps": summary([s["honest_fps"] for s in steady]),
        "recordings_by_status": recordings,
    }

def table(result):
    """Return the soak's numbers as lines for the bench report."""
    rows = [f"Service soak, {result['duration_s']:g} s: phones, flapping bridges, recordings, "
            "a scanner, beside an honest 6 FPS client",
            f"{'':>14} {'threads':>8} {'fds':>6} {'PSS MB':>8} {'honest FPS':>11}"]
    for label in ("start", "end"):
        s = result[label]
        rows.append(f"{label:>14} {s['threads']:>8} {s['fds']:>6} {s['pss_mb']:>8} "
                    f"{s['honest_fps']:>11}")
    trend = result["trend_per_min"]
    rows.append(f"{'trend / min':>14} {trend['threads']:>8} {trend['fds']:>6} "
                f"{trend['pss_mb']:>8} {trend['honest_fps']:>11}")
    after = result["after_leave"]
    rows.append(f"{'all gone':>14} {after['threads']:>8} {after['fds']:>6} {after['pss_mb']:>8}")
    return "\n".join(rows)
