"""How well the lips follow a moving face: our face finder against a per-frame reference."""

import numpy as np

from harness.lip_reference import default_finder, reference, score
from harness.motion_clips import at_fps, clip
from harness.stats import pct


def run_motion(plan, moves, seconds=4.0):
    """Score the default finder on every move at each size's send rates; return rows and a summary."""
    finder = default_finder()
    rows, good, with_face, outside = [], 0, 0, 0
    for size, rates in plan.items():
        for move in moves:
            frames = clip(move, *size, seconds=seconds)
            for fps in rates:
                sent = at_fps(frames, fps)
                result = score(sent, finder, [reference(frame) for frame in sent])
                rows.append({"size": f"{size[0]}x{size[1]}", "move": move, "fps": fps, **result})
                if result["with_face"]:
                    good += round(result["good_share"] * result["with_face"])
                    with_face += result["with_face"]
                outside += result["paint_outside_face"] + result["painted_without_face"]
    summary = {"frames_with_face": with_face, "good_share": round(good / max(with_face, 1), 4),
               "frames_painted_outside_face": outside,
               "min": min((r["min"] for r in rows if r["min"] is not None), default=None),
               "p5": pct([r["p5"] for r in rows if r["p5"] is not None], 0),
               "mean": round(float(np.mean([r["mean"] for r in rows if r["mean"] is not None])), 3)}
    return {"rows": rows, "summary": summary}
