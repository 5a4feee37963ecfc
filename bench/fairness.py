"""Fair CPU: four 640x480 clients at 15 FPS, alone and beside one client sending the largest legal frames."""

import threading
import time

from harness.frames import face_at, jpeg

from .load import LoadClient

HONEST_FPS = 15
HEAVY_SIZE = (3840, 2160)  # the default pixel limit

def _rates(loaders, duration):
    return [round(len(c.latencies) / duration, 2) for c in loaders]

def run_clients(server, plans, duration):
    """Run (payload, fps) plans at once against `server`; return each client's delivered FPS."""
    loaders = [LoadClient(server.url, payload) for payload, _ in plans]
    until = time.perf_counter() + duration
    threads = [threading.Thread(target=c.run, args=(until, fps), daemon=True)
               for c, (_, fps) in zip(loaders, plans)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 10)
    for client in loaders:
        client.close()
    return _rates(loaders, duration), [c.sent for c in loaders]

def run(server, duration, max_fps):
    """Return the honest clients' rates alone and beside a heavy client sending at `max_fps`."""
    honest = jpeg(face_at(640, 480))
    heavy = jpeg(face_at(*HEAVY_SIZE), quality=90)
    alone, _ = run_clients(server, [(honest, HONEST_FPS)] * 4, duration)
    time.sleep(1)
    rates, sent = run_clients(server, [(honest, HONEST_FPS)] * 4 + [(heavy, max_fps)], duration)
    beside = rates[:4]
    return {
        "honest_fps_alone": alone,
        "honest_fps_beside_heavy": beside,
        "heavy": {"frame_bytes": len(heavy), "sent": sent[4], "delivered_fps": rates[4]},
        "honest_kept_vs_offered_min": round(min(beside) / HONEST_FPS, 3),
        "honest_kept_vs_alone_min": round(min(b / max(a, 0.01) for a, b in zip(alone, beside)), 3),
    }
