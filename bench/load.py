"""Drive a running server with N real Socket.IO clients, open loop at F FPS or closed loop."""

import threading
import time

from bridge.socketio_client import InOrderClient
from harness.access_token import with_token
from harness.stats import summary, trend_ms_per_s

ANSWER_TIMEOUT_S = 2.0
SAMPLE_EVERY_S = 0.5


class LoadClient:
    """One client: sends numbered frames, matches answers by sequence number."""

    def __init__(self, url, payload, settings=None, auth=None):
        # One frame sent again and again, or a clip's frames sent in turn (a moving face).
        self.payloads = [payload] if isinstance(payload, (bytes, str)) else list(payload)
        self.sent_at = {}
        self.latencies = []  # (time answered, round trip ms)
        self.sent = 0
        self.last_answered = 0
        self.max_in_flight = 0
        self._answered = threading.Event()
        # In order: a plain client may handle a binary event's two packets out of order.
        self.sio = InOrderClient(reconnection=False)
        self.sio.on("response_back", self._on_answer)
        self.sio.connect(url, transports=["websocket"], wait_timeout=10, auth=with_token(auth))
        if settings:
            self.sio.call("settings", settings, timeout=10)

    def _on_answer(self, _frame, meta):
        now = time.perf_counter()
        self.latencies.append((now, (now - self.sent_at[meta["seq"]]) * 1000))
        self.last_answered = meta["seq"]
        self._answered.set()

    def send(self):
        """Send the next frame and note how many are waiting for an answer."""
        self.sent += 1
        self.sent_at[self.sent] = time.perf_counter()
        self._answered.clear()
        self.sio.emit("image", self.payloads[(self.sent - 1) % len(self.payloads)])
        self.max_in_flight = max(self.max_in_flight, self.sent - self.last_answered)

    def run(self, until, fps=None):
        """Send until `until` (perf_counter): at `fps` open loop, or closed loop when None."""
        next_at = time.perf_counter()
        while time.perf_counter() < until:
            self.send()
            if fps is None:
                self._answered.wait(ANSWER_TIMEOUT_S)
            else:
                next_at += 1 / fps
                time.sleep(max(0.0, next_at - time.perf_counter()))
        time.sleep(0.3)  # let the last answers arrive

    def close(self):
        """Disconnect without waiting for websocket-client's close handshake timeout."""
        threading.Thread(target=self.sio.disconnect, daemon=True).start()


def run_load(server, payload, clients=1, fps=None, duration=10.0, settings=None, names=()):
    """Run one load scenario against `server` (a harness.server.ServerProcess); return its numbers.

    `names`: source names for the first clients, which makes them shared (as for recording).
    """
    auths = [{"source": name} for name in names] + [None] * (clients - len(names))
    loaders = [LoadClient(server.url, payload, settings, auth) for auth in auths[:clients]]
    cpu_before, rss = server.cpu_seconds_by_role(), []
    started = time.perf_counter()
    until = started + duration
    threads = [threading.Thread(target=c.run, args=(until, fps), daemon=True) for c in loaders]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        rss.append(round(server.rss_mb(), 1))
        time.sleep(SAMPLE_EVERY_S)
    cpu_after = server.cpu_seconds_by_role()
    cpu_during = {role: cpu_after[role] - cpu_before[role] for role in cpu_after}
    pss = server.pss_mb()  # every process of the server, warm, shared pages counted once
    for client in loaders:
        client.close()
    idle_before = server.cpu_seconds()
    time.sleep(1.0)
    cpu_after_leave = (server.cpu_seconds() - idle_before) * 100
    return {**_numbers(loaders, duration, cpu_during, cpu_after_leave, rss, fps),
            "server_pss_mb": round(pss, 1)}


def _numbers(loaders, duration, cpu_during, cpu_after_leave, rss, fps):
    delivered = [len(c.latencies) for c in loaders]
    total = sum(delivered)
    latencies = [ms for c in loaders for _, ms in c.latencies]
    points = sorted(point for c in loaders for point in c.latencies)
    fair = total / len(loaders) if total else 1
    return {
        "clients": len(loaders),
        "offered_fps_per_client": fps or "closed loop",
        "delivered_fps_per_client": [round(n / duration, 2) for n in delivered],
        "delivered_fps_total": round(total / duration, 2),
        "fair_share_min": round(min(delivered) / fair, 3),
        "round_trip_ms": summary(latencies),
        "latency_trend_ms_per_s": trend_ms_per_s([t for t, _ in points], [ms for _, ms in points]),
        "sent": sum(c.sent for c in loaders),
        "dropped": sum(c.sent for c in loaders) - total,
        "max_in_flight": max(c.max_in_flight for c in loaders),
        "server_cpu_ms_per_frame": round(sum(cpu_during.values()) / max(total, 1) * 1000, 2),
        "pipeline_cpu_ms_per_frame": round(cpu_during["pipeline"] / max(total, 1) * 1000, 2),
        "server_cpu_pct_1s_after_leave": round(cpu_after_leave, 1),
        "server_rss_mb": {"start": rss[0], "max": max(rss), "end": rss[-1]} if rss else {},
    }
