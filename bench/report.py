"""Print the benchmark's results as tables a person can read."""

import logging

from .pipeline_bench import STEPS

log = logging.getLogger("bench")


def _row(cells, widths):
    return "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))


def _table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [title, _row(header, widths), _row(["-" * w for w in widths], widths)]
    lines += [_row(r, widths) for r in rows]
    return "\n".join(lines)


def pipeline_table(results):
    """Per-step p50/p95 ms for ours and seed style, at each frame size."""
    rows = []
    for size, result in results.items():
        for name in ("ours", "seed"):
            steps = result[name]
            rows.append([size, name] + [f"{steps[s]['p50']}/{steps[s]['p95']}" for s in STEPS]
                        + [steps["cpu_ms_per_frame"]])
        iou = result["lip_iou"]
        rows.append([size, "ratio"] + [""] * (len(STEPS) - 1) + [
            result["ratio_p50"], f"lip IoU min {iou['min']} mean {iou['mean']}"])
    header = ["size", "pipeline", *STEPS, "cpu ms/frame"]
    return _table("Pipeline, ms p50/p95 per step (in-process, one thread)", header, rows)


def load_table(scenarios):
    """One row per load scenario."""
    rows = []
    for name, r in scenarios.items():
        rt = r["round_trip_ms"]
        rows.append([name, r["clients"], r["offered_fps_per_client"], r["delivered_fps_total"],
                     r["fair_share_min"], f"{rt['p50']}/{rt['p95']}/{rt['p99']}",
                     r["latency_trend_ms_per_s"], r["dropped"], r["max_in_flight"],
                     r["server_cpu_ms_per_frame"], r.get("pipeline_cpu_ms_per_frame", ""),
                     r["server_cpu_pct_1s_after_leave"],
                     "{start}/{max}/{end}".format(**r["server_rss_mb"]), r.get("server_pss_mb", "")])
    header = ["scenario", "clients", "fps each", "fps total", "fair min", "rt p50/95/99 ms",
              "trend ms/s", "dropped", "in flight", "cpu ms/frame (all processes)", "of it pipeline", "cpu% after",
              "rss MB", "pss MB (all)"]
    return _table("Load (real server, real Socket.IO clients on 127.0.0.1)", header, rows)


def motion_table(motion):
    """Lip IoU against a per-frame reference on moving faces, per move, size and send rate."""
    rows = [[r["size"], r["move"], r["fps"], r["with_face"], r["good_share"], r["min"], r["p5"],
             r["mean"], r["paint_outside_face"] + r["painted_without_face"]] for r in motion["rows"]]
    total = motion["summary"]
    rows.append(["all", "", "", total["frames_with_face"], total["good_share"], total["min"],
                 total["p5"], total["mean"], total["frames_painted_outside_face"]])
    header = ["size", "move", "fps", "frames w/ face", "IoU>=0.7", "min", "p5", "mean",
              "painted off face"]
    return _table("Lips on moving faces (IoU vs full-size upsampled detection every frame)",
                  header, rows)


def far_link_table(scenarios):
    """One row per far-link scenario: the bridge's uplink through a delaying proxy."""
    rows = []
    for name, r in scenarios.items():
        lat = r["latency_ms"]
        first, last = r["latency_first_last_sixth_p50_ms"]
        rows.append([name, r["frame_bytes"], r["carried_fps"] or "-", r["delivered_fps"],
                     f"{lat['p50']}/{lat['p95']}", f"{first}/{last}", r["latency_trend_ms_per_s"],
                     r["window_max"], r["seconds"]])
    header = ["scenario", "frame B", "link carries", "fps", "latency p50/95 ms",
              "p50 first/last ms", "trend ms/s", "window max", "s"]
    return _table("Far link (bridge uplink through a delaying proxy, real server)", header, rows)


def headline(results):
    """The ratios the targets are stated in."""
    lines = ["Headline (ours vs seed style, measured side by side):"]
    pipeline = results.get("pipeline", {}).get("640x480")
    if pipeline:
        lines.append(f"  pipeline p50 ratio at 640x480: {pipeline['ratio_p50']} (target <= 0.333); "
                     f"lip IoU min {pipeline['lip_iou']['min']}, mean {pipeline['lip_iou']['mean']}; "
                     f"reference's own floor min {pipeline['lip_iou_floor']['min']}")
    motion = results.get("lips_in_motion", {}).get("summary")
    if motion:
        lines.append(f"  lips in motion: {motion['good_share']:.1%} of {motion['frames_with_face']} frames "
                     f"at IoU >= 0.7 (target >= 99%), mean {motion['mean']}, "
                     f"{motion['frames_painted_outside_face']} frames painted off a face (target 0)")
    load = results.get("load", {})
    if "capacity ours" in load and "capacity seed" in load:
        ratio = load["capacity ours"]["delivered_fps_total"] / max(
            load["capacity seed"]["delivered_fps_total"], 0.01)
        lines.append(f"  capacity ratio (closed loop): {ratio:.2f}x (target >= 3x)")
    low = load.get("low load ours")
    if low and pipeline:
        lines.append(f"  low load p50 round trip {low['round_trip_ms']['p50']} ms vs pipeline p50 "
                     f"{pipeline['ours']['total']['p50']} ms (target: <= pipeline + 5)")
    over = load.get("overload ours")
    if over:
        lines.append(f"  overload: p95 {over['round_trip_ms']['p95']} ms (target <= 250), fair share "
                     f"min {over['fair_share_min']} (>= 0.8), trend {over['latency_trend_ms_per_s']} "
                     f"ms/s, CPU 1 s after leave {over['server_cpu_pct_1s_after_leave']}%")
    return "\n".join(lines)
