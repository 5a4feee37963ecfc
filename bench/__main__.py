"""`python -m bench`: pipeline and load benchmarks, ours against the seed style, as a table and JSON."""

import argparse
import contextlib
import json
import logging
import os
import pathlib
import platform
import sys
import tempfile
import time

import psutil

from harness.frames import SIZES, face_at, jpeg
from harness.motion_clips import MOVES
from harness.server import SEED_STYLE, ServerProcess
from pipeline import current
from pipeline.huge_pages import ask_for_huge_pages

from . import (detector_bench, devices, fairness, lip_accuracy, pipeline_bench, recording,
               report, service_soak)
from .far_link import run_far_link
from .load import run_load
from .watch_viewers import run_watch, watch_table

log = logging.getLogger("bench")

STAGES_OFF = {stage.name: False for stage in current().stages}
# The per-client FPS cap is a safety limit for exposed servers, not part of what is measured.
SERVER_ARGS = ("--log-level", "WARNING", "--max-fps", "1000")
# A fresh server's first frames pay for one-off set-up (allocator growth, oneDNN's kernel
# choice), several ms each for a few hundred frames. Every server gets the same unmeasured
# warm-up, so the numbers describe the steady state that users see.
WARM_UP_S = 3.0

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a few seconds per part, to check it runs")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per load scenario")
    parser.add_argument("--overload-duration", type=float, default=60.0)
    parser.add_argument("--warm-up", type=float, default=WARM_UP_S,
                        help="unmeasured seconds of load on each fresh server")
    parser.add_argument("--soak-duration", type=float, default=120.0,
                        help="seconds of the service soak (phones, bridges, recordings, a scanner)")
    parser.add_argument("--frames", type=int, default=60, help="frames per size in the pipeline part")
    parser.add_argument("--sizes", default=",".join(SIZES), help="comma-separated, e.g. 640x480")
    parser.add_argument("--json", default="bench-results/bench.json", help="where to write the results")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: "
                        "pipeline,detect,devices,motion,load,transport,far,fairness,recording,watch,soak")
    return parser.parse_args(argv)

def machine():
    """Describe where the numbers were taken."""
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "processor": platform.processor() or platform.machine(), "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%d %H:%M")}

def run_pipeline(args):
    sizes = [s for s in args.sizes.split(",") if s]
    results = pipeline_bench.run(sizes, args.frames)
    for size in sizes:
        results[size]["lip_iou_floor"] = pipeline_bench.reference_floor(SIZES[size], args.frames)
    return results

def run_motion(args):
    """Lips on moving faces against a per-frame reference; 720p at 6 FPS only (its reference is slow)."""
    if args.smoke:
        return lip_accuracy.run_motion({SIZES["320x240"]: (6,)}, ("pan",), seconds=1.0)
    plan = {SIZES[size]: (6,) if size == "1280x720" else (6, 15, 30)
            for size in args.sizes.split(",") if size}
    return lip_accuracy.run_motion(plan, tuple(MOVES))

@contextlib.contextmanager
def warm_server(args, payload, *server_args, shared=None, **options):
    """Start a server with SERVER_ARGS plus `server_args`, warm it up and yield it.

    `shared`, a server started so already, is yielded instead: --smoke checks that each part
    runs, not what it measures on a fresh server, so its parts share one where they can.
    """
    if shared is not None:
        yield shared
        return
    with ServerProcess(*SERVER_ARGS, *server_args, **options) as server:
        run_load(server, payload, clients=2, duration=args.warm_up)
        yield server

def run_loads(args, payload, shared=None):
    duration, overload = args.duration, args.overload_duration
    scenarios = {}
    with warm_server(args, payload, entry=SEED_STYLE) as seed:
        scenarios["capacity seed"] = run_load(seed, payload, clients=4, duration=duration)
        scenarios["overload seed"] = run_load(seed, payload, clients=4, fps=15,
                                              duration=min(overload, duration))
    with warm_server(args, payload, shared=shared) as ours:
        scenarios["capacity ours"] = run_load(ours, payload, clients=4, duration=duration)
        scenarios["low load ours"] = run_load(ours, payload, clients=1, fps=6, duration=duration)
        scenarios["overload ours"] = run_load(ours, payload, clients=4, fps=15, duration=overload)
    return scenarios

def run_transport(args, payload):
    """Round trips with every stage off, so transport and codec dominate: mode x frame form."""
    from protocol import DATA_URL, in_form
    scenarios = {}
    for mode in ("threading", "eventlet"):
        # In process in both modes, so the comparison is of the transports alone.
        with warm_server(args, payload, "--async-mode", mode, "--in-process") as server:
            for form in ("bytes", DATA_URL):
                scenarios[f"transport {mode} {form}"] = run_load(
                    server, in_form(payload, form), clients=1, duration=args.duration / 2,
                    settings=STAGES_OFF)
    return scenarios

def run_fairness(args):
    """One heavy client at the default frame cap beside four honest ones; the default limits hold."""
    with ServerProcess("--log-level", "WARNING") as server:
        return fairness.run(server, args.duration, max_fps=30)

def run_recording(args, payload, shared=None):
    """The 4x15 overload with and without a recording of one source (README, Recording and media)."""
    if shared is not None:  # its data folder is a temporary one of its own (harness/server.py)
        return recording.run(shared, payload, args.overload_duration)
    with tempfile.TemporaryDirectory() as data_dir:
        with warm_server(args, payload, "--data-dir", data_dir) as server:
            return recording.run(server, payload, args.overload_duration)

def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.smoke:
        args.duration, args.overload_duration, args.frames, args.sizes = 1.0, 2.0, 6, "320x240"
        args.warm_up = 0.25
    skip = set(args.skip.split(","))
    payload = jpeg(face_at(*SIZES["640x480" if not args.smoke else "320x240"]))
    with contextlib.ExitStack() as stack:
        # --smoke: the load, recording and far-link parts share one server of ours.
        sharing = args.smoke and not {"load", "recording", "far"} <= skip
        shared = stack.enter_context(warm_server(args, payload)) if sharing else None
        return _run_parts(args, skip, payload, shared)

def _run_parts(args, skip, payload, shared):
    results = {"machine": machine(), "smoke": args.smoke, "load": {}}
    if "pipeline" not in skip:
        results["pipeline"] = run_pipeline(args)
        log.info("%s\n", report.pipeline_table(results["pipeline"]))
    if "detect" not in skip:
        results["detect"] = detector_bench.run(1 if args.smoke else 20)
        log.info("%s\n", detector_bench.table(results["detect"]))
    if "devices" not in skip:
        results["devices"] = devices.run(5 if args.smoke else 50)
        log.info("%s\n", devices.table(results["devices"]))
    if "motion" not in skip:
        results["lips_in_motion"] = run_motion(args)
        log.info("%s\n", report.motion_table(results["lips_in_motion"]))
    if "load" not in skip:
        results["load"].update(run_loads(args, payload, shared))
    if "transport" not in skip:
        results["load"].update(run_transport(args, payload))
    if "fairness" not in skip:
        results["fairness"] = run_fairness(args)
        log.info("fairness: %s\n", json.dumps(results["fairness"]))
    if results["load"]:
        log.info("%s\n", report.load_table(results["load"]))
    if "recording" not in skip:
        results["recording"] = run_recording(args, payload, shared)
        log.info("recording under overload: %s\n", json.dumps(
            {k: v for k, v in results["recording"].items() if not k.startswith("with")}))
    if "far" not in skip:
        with warm_server(args, payload, shared=shared) as server:
            results["far_link"] = run_far_link(server, args.duration, args.overload_duration,
                                                 settle_s=1.0 if args.smoke else 4.0)
        log.info("%s\n", report.far_link_table(results["far_link"]))
    if "watch" not in skip:
        results["watch"] = run_watch(args.duration)
        log.info("%s\n", watch_table(results["watch"]))
    if "soak" not in skip:
        results["service_soak"] = (service_soak.run(5.0, sample_every=2.5) if args.smoke
                                   else service_soak.run(args.soak_duration))
        log.info("%s\n", service_soak.table(results["service_soak"]))
    log.info("%s", report.headline(results))
    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    log.info("\nwrote %s", out)
    return 0

def run_as_the_pipeline_runs():
    """Re-run this command once with malloc on huge pages, as the server's pipeline processes run.

    glibc reads the setting only as a process starts (pipeline/huge_pages.py); without it the
    in-process parts would time the landmark model on small pages, which the server never does.
    """
    environ = dict(os.environ)
    if ask_for_huge_pages(environ):
        os.execve(sys.executable, [sys.executable, "-m", "bench", *sys.argv[1:]], environ)

if __name__ == "__main__":
    run_as_the_pipeline_runs()
    raise SystemExit(main())
