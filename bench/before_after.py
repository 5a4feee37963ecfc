"""`python -m bench.before_after --before DIR`: this checkout against another, side by side.

Both servers run at once on this machine and take turns at capacity (closed loop, 4 clients),
so a busy neighbour weighs on both alike. Each turn counts every process of the server: the
serving ones (gunicorn's worker) and the pipeline's. Prints a table and writes JSON.
"""

import argparse
import contextlib
import json
import logging
import pathlib
import statistics

from harness.frames import SIZES, face_at, jpeg, moving_clip
from harness.server import ServerProcess

from .load import run_load

log = logging.getLogger("bench")
HERE = pathlib.Path(__file__).resolve().parent.parent
SERVER_ARGS = ("--log-level", "WARNING", "--max-fps", "1000")
SCENES = ("still", "moving")


def frames_of(scene, size):
    """Return the JPEGs a client sends in turn for one scene at one size."""
    width, height = SIZES[size]
    if scene == "still":
        return [jpeg(face_at(width, height))]
    return [jpeg(frame) for frame in moving_clip(width, height, count=60)]

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, type=pathlib.Path,
                        help="another checkout of this project (e.g. a git worktree of an old commit)")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated, e.g. 640x480")
    parser.add_argument("--scenes", default=",".join(SCENES),
                        help="comma-separated: still (one face photo, again and again), moving "
                             "(a hand-held face: drifting, zooming, turning, 2 s a cycle)")
    parser.add_argument("--turns", type=int, default=3, help="turns at capacity per server and size")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per turn")
    parser.add_argument("--json", default="bench-results/before_after.json")
    return parser.parse_args(argv)

def compare(before, sizes, scenes, turns, duration):
    """Return per scene, size and checkout the median numbers of `turns` alternating turns."""
    results = {}
    with contextlib.ExitStack() as stack:
        servers = {}
        for name, root in (("before", before), ("after", HERE)):
            server = ServerProcess(*SERVER_ARGS, entry=(str(root / "process.py"),), cwd=root)
            servers[name] = stack.enter_context(server).wait_ready()
        for scene in scenes:
            for size in sizes:
                payloads = frames_of(scene, size)
                # Unmeasured: allocator growth, oneDNN's kernel choice.
                for server in servers.values():
                    run_load(server, payloads, clients=2, duration=3.0)
                runs = {name: [] for name in servers}
                for _ in range(turns):
                    for name, server in servers.items():
                        runs[name].append(run_load(server, payloads, clients=4, duration=duration))
                key = f"{scene} {size}"
                results[key] = {name: _median(rows) for name, rows in runs.items()}
                log.info("%s: %s", key, results[key])
    return results

def _median(rows):
    keys = ("server_cpu_ms_per_frame", "pipeline_cpu_ms_per_frame", "delivered_fps_total",
            "server_pss_mb")
    numbers = {key: round(statistics.median(row[key] for row in rows), 2) for key in keys}
    numbers["round_trip_p95_ms"] = round(statistics.median(r["round_trip_ms"]["p95"] for r in rows), 1)
    return numbers

def table(results):
    """Return the results as rows a person can read."""
    lines = [f"{'scene, size':>16} {'checkout':>8} {'cpu ms/frame':>12} {'pipeline':>9} "
             f"{'serving':>8} {'fps':>7} {'p95 ms':>7} {'pss MB':>7}"]
    for size, by_name in results.items():
        for name, r in by_name.items():
            serving = round(r["server_cpu_ms_per_frame"] - r["pipeline_cpu_ms_per_frame"], 2)
            lines.append(f"{size:>16} {name:>8} {r['server_cpu_ms_per_frame']:>12} "
                         f"{r['pipeline_cpu_ms_per_frame']:>9} {serving:>8} "
                         f"{r['delivered_fps_total']:>7} {r['round_trip_p95_ms']:>7} "
                         f"{r['server_pss_mb']:>7}")
    return "\n".join(lines)

def main(argv=None):
    """Run the comparison, print the table and write the JSON."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    scenes = [s for s in args.scenes.split(",") if s]
    results = compare(args.before.resolve(), sizes, scenes, args.turns, args.duration)
    log.info("Capacity, before and after, taking turns (every server process counted)\n%s",
             table(results))
    path = pathlib.Path(args.json)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
