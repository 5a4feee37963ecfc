"""Recording under overload: the 4x15 load with and without a recording of one of its sources."""

import json
import threading
import time
import urllib.request

from harness.access_token import bearer

from .load import run_load

NAMES = ("load-1", "load-2", "load-3", "load-4")
START_AFTER_S = 1.0  # the clients are connected and sending by then


def _post(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST", headers=bearer(
        {"Content-Type": "application/json"} if data else {}))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def run(server, payload, duration, clients=4, fps=15):
    """Return the overload's numbers without and with a recording, and the recording's entry."""
    plain = run_load(server, payload, clients, fps, duration, names=NAMES[:clients])
    started = {}

    def start_recording():
        time.sleep(START_AFTER_S)
        started.update(_post(server.url + "/api/recordings", {"source": NAMES[0]}))

    starter = threading.Thread(target=start_recording, daemon=True)
    starter.start()
    recorded = run_load(server, payload, clients, fps, duration, names=NAMES[:clients])
    starter.join(timeout=10)
    entry = _post(f"{server.url}/api/recordings/{started['id']}/stop") if started else {}
    ratio = recorded["delivered_fps_total"] / max(plain["delivered_fps_total"], 0.01)
    return {
        "without_recording": plain,
        "with_recording": recorded,
        "delivered_fps_total": {"without": plain["delivered_fps_total"],
                                "with": recorded["delivered_fps_total"]},
        "delivered_ratio": round(ratio, 3),
        "within_10_percent": ratio >= 0.9,
        "recording": {key: entry.get(key) for key in
                      ("status", "duration_s", "frames", "dropped", "bytes", "message")},
    }
