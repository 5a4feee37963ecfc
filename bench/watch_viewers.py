"""`python -m bench` part `watch`: server CPU for 1 and for 10 MJPEG viewers of one camera.

The server pulls a simulated ESP32 (640x480 face photo at 15 FPS) as `--camera`; viewers
read /video/NAME.mjpg with the bridge's MJPEG parser. Viewers with the same settings share
one rendition, so ten should cost the server little more than one: one pipeline run a
frame, plus ten socket writes.
"""

import logging
import time

from bridge.simulator import MjpegCameraSimulator, load_jpegs
from harness.mjpeg_player import MjpegPlayer
from harness.server import ServerProcess

from .report import _table

log = logging.getLogger("bench")

CAMERA = "bench"


def _measure(server, viewers, duration):
    """Open `viewers` players, settle, then return CPU % and FPS per viewer over `duration`."""
    players = [MjpegPlayer(f"{server.url}/video/{CAMERA}.mjpg") for _ in range(viewers)]
    if any(player.status != 200 for player in players):
        raise RuntimeError(f"a viewer was refused: {[p.body for p in players if p.body][:1]}")
    try:
        time.sleep(2.0)  # the rendition starts and every player has its first frames
        cpu0, frames0, t0 = server.cpu_seconds(), [p.frames for p in players], time.monotonic()
        time.sleep(duration)
        cpu1, frames1, t1 = server.cpu_seconds(), [p.frames for p in players], time.monotonic()
    finally:
        for player in players:
            player.close()
    elapsed = t1 - t0
    fps = [(b - a) / elapsed for a, b in zip(frames0, frames1)]
    return {"viewers": viewers, "server_cpu_pct": round(100 * (cpu1 - cpu0) / elapsed, 1),
            "fps_per_viewer_min": round(min(fps), 1) if fps else None,
            "fps_per_viewer_mean": round(sum(fps) / len(fps), 1) if fps else None}


def run_watch(duration, fps=15.0, counts=(0, 1, 10)):
    """Measure server CPU with 0, 1 and 10 viewers of one 640x480 camera at `fps`."""
    camera = MjpegCameraSimulator(load_jpegs(), "arduino", fps=fps).start()
    try:
        with ServerProcess("--log-level", "WARNING", "--camera",
                           f"{CAMERA}={camera.stream_url}") as server:
            time.sleep(2.0)  # the camera connects
            rows = [_measure(server, count, duration) for count in counts]
    finally:
        camera.stop()
    by_count = {row["viewers"]: row for row in rows}
    one, ten = by_count.get(1), by_count.get(10)
    summary = {"camera_fps": fps, "duration_s": duration, "scenarios": rows}
    if one and ten:
        summary["ten_vs_one_cpu"] = round(ten["server_cpu_pct"] / one["server_cpu_pct"], 3)
        # CPU each viewer beyond the first adds, in % of one core.
        summary["cpu_pct_per_extra_viewer"] = round(
            (ten["server_cpu_pct"] - one["server_cpu_pct"]) / 9, 2)
    return summary


def watch_table(summary):
    """The watch part as a table, with the 10-vs-1 ratio."""
    rows = [[r["viewers"], r["server_cpu_pct"], r["fps_per_viewer_min"], r["fps_per_viewer_mean"]]
            for r in summary["scenarios"]]
    table = _table(f"MJPEG viewers of one 640x480 camera at {summary['camera_fps']:g} FPS "
                   f"({summary['duration_s']:g} s each)",
                   ["viewers", "server cpu %", "fps min", "fps mean"], rows)
    if "ten_vs_one_cpu" in summary:
        table += (f"\n10 viewers cost {summary['ten_vs_one_cpu']:.2f}x the CPU of 1 (goal <= 1.10); "
                  f"{summary['cpu_pct_per_extra_viewer']:.2f} % of a core per extra viewer")
    return table
