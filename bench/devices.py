"""The filter and the detector on each device here: the CPU always, CUDA where it is present.

The server runs both on CUDA when it sees a device (the filter through torch, the detector
through onnxruntime's CUDA provider, or OpenCV's); this part times them on every device it
finds, side by side on one 640x480 face frame, and names the devices it did not find.
"""

import pathlib
import tempfile
import time

import torch

from harness.frames import face_at
from harness.stats import pct
from pipeline import PipelineConfig, Settings, single_threaded_libraries
from pipeline.detection import DetectorModel
from pipeline.detection.runtimes import has_cuda
from pipeline.stages.filter import MeanFilter

from .detector_bench import export_yolov8n

WARM_UP = 3  # first calls choose kernels, grow arenas and, on CUDA, load the kernels
DETECTOR_INPUT = 640


def filter_devices() -> list[str]:
    """Return the devices torch can filter on here."""
    return ["cpu", *(["cuda"] if torch.cuda.is_available() else [])]


def detector_devices() -> list[str]:
    """Return the devices onnxruntime can detect on here."""
    return ["cpu", *(["cuda"] if has_cuda("onnxruntime") else [])]


def _timed(call, frames: int) -> dict:
    for _ in range(WARM_UP):
        call()
    wall = []
    for _ in range(frames):
        started = time.perf_counter()
        call()  # both return numpy results, so a CUDA call has finished when it returns
        wall.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": pct(wall, 50), "p95_ms": pct(wall, 95)}


def run(frames: int = 50) -> dict:
    """Return p50/p95 ms of the default 3x3 filter and of detect() on each device found."""
    single_threaded_libraries()  # as the server runs them
    frame = face_at(640, 480)
    results = {"filter": {}, "detect": {}, "absent": []}
    for device in filter_devices():
        stage = MeanFilter()
        stage.setup(PipelineConfig(device=device))
        params = stage.params(Settings())
        results["filter"][device] = _timed(lambda: stage.process(frame, params, None), frames)
    with tempfile.TemporaryDirectory() as folder:
        path = export_yolov8n(pathlib.Path(folder), DETECTOR_INPUT)
        models = {device: DetectorModel.load(path, runtime="onnxruntime", device=device)
                  for device in detector_devices()}
    for device, model in models.items():
        results["detect"][device] = _timed(lambda: model.detect(frame), max(5, frames // 5))
    if "cuda" not in results["filter"]:
        results["absent"].append("CUDA for torch (the filter)")
    if "cuda" not in results["detect"]:
        results["absent"].append("CUDA for onnxruntime (the detector)")
    return results


def table(results: dict) -> str:
    """Format run()'s results as a small table."""
    lines = [f"Filter (3x3) and detector (YOLOv8n-sized, {DETECTOR_INPUT} input) per device, "
             "640x480 frame, ms p50/p95",
             f"{'part':>8}  {'device':>6}  {'p50':>7}  {'p95':>7}"]
    for part in ("filter", "detect"):
        for device, row in results[part].items():
            lines.append(f"{part:>8}  {device:>6}  {row['p50_ms']:>7}  {row['p95_ms']:>7}")
    if results["absent"]:
        lines.append("not found here: " + "; ".join(results["absent"]))
    return "\n".join(lines)
