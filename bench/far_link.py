"""Far link: the bridge's uplink (the same flow control as the page) through a delaying proxy.

Reports delivered FPS and latency at 0, 100 and 200 ms round trip, and through a 200 ms link
whose uplink is capped at 1 Mbit/s, where "carried" is what the link can carry at that frame size.
"""

import logging
import pathlib
import tempfile
import threading
import time

from bridge.app import Bridge
from bridge.cameras import JpegFilesCamera
from harness.access_token import session_token
from harness.delay_link import DelayLink
from harness.frames import face_at, jpeg
from harness.stats import summary, trend_ms_per_s

log = logging.getLogger("bench")

SETTLE_S = 4.0  # unmeasured: the window grows to what the link needs
CAP_BITS_PER_S = 1_000_000

def _scenarios(duration, long_duration):
    """(name, round trip s, camera fps, uplink cap, frame size, seconds)."""
    rows = [(f"{rtt_ms} ms, {fps} fps", rtt_ms / 1000, fps, None, (640, 480),
             long_duration if rtt_ms == 200 else duration)
            for rtt_ms in (0, 100, 200) for fps in (15, 30)]
    rows.append(("200 ms, 1 Mbit/s up, 15 fps", 0.2, 15, CAP_BITS_PER_S, (320, 240), long_duration))
    return rows

def run_one(server, frame_path, rtt_s, fps, cap, seconds, settle_s=SETTLE_S):
    """Relay `frame_path` at `fps` through one link for `seconds`; return the numbers."""
    answers = []  # (time, latency s)
    lock = threading.Lock()
    with DelayLink(server.port, rtt_s / 2, cap) as link:
        bridge = Bridge(JpegFilesCamera(frame_path, fps=fps), link.url, f"far-{int(time.time() * 1000)}",
                        token=session_token())

        def on_processed(_payload, _meta):
            with lock:
                answers.append((time.monotonic(), bridge.uplink.flow.last_latency))

        bridge.uplink.on_processed = on_processed
        bridge.start()
        started = time.monotonic()
        windows = []
        while time.monotonic() < started + settle_s + seconds:
            time.sleep(0.5)
            windows.append(bridge.uplink.flow.window)
        bridge.stop()
    begin = started + settle_s
    late = [(at, lat) for at, lat in answers if at >= begin and lat is not None]
    latencies = [lat * 1000 for _, lat in late]
    size = pathlib.Path(frame_path).stat().st_size
    tenth = max(len(latencies) // 6, 1)
    return {
        "link_rtt_ms": round(rtt_s * 1000),
        "uplink_cap_mbit_s": cap / 1e6 if cap else None,
        "frame_bytes": size,
        "camera_fps": fps,
        "carried_fps": round(cap / 8 / size, 2) if cap else None,
        "delivered_fps": round(len(late) / seconds, 2),
        "latency_ms": summary(latencies),
        "latency_first_last_sixth_p50_ms": [summary(latencies[:tenth])["p50"],
                                            summary(latencies[-tenth:])["p50"]],
        "latency_trend_ms_per_s": trend_ms_per_s([at for at, _ in late], latencies),
        "window_max": max(windows, default=0),
        "timeouts": bridge.uplink.timeouts,
        "seconds": seconds,
    }

def run_far_link(server, duration, long_duration, settle_s=SETTLE_S):
    """Run every far-link scenario against a running server; return {name: numbers}."""
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, rtt_s, fps, cap, size, seconds in _scenarios(duration, long_duration):
            path = pathlib.Path(folder) / f"face-{size[0]}.jpg"
            if not path.exists():
                path.write_bytes(jpeg(face_at(*size), quality=70))
            results[f"far {name}"] = run_one(server, path, rtt_s, fps, cap, seconds, settle_s)
            log.info("far link %s: %s", name, results[f"far {name}"])
    return results
