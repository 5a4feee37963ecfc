"""Time the pipeline in-process, ours and seed-style interleaved, and check the lips still match."""

import time

import cv2
import numpy as np

from harness.frames import SIZES, jpeg, moving_clip
from harness.stats import pct
from pipeline import (Pipeline, PipelineConfig, Settings, StreamState, current, find_landmark_model,
                      single_threaded_libraries)
from pipeline.faces import FaceFinder, FaceTrack
from pipeline.lips import lip_mask

from .seed_style import PIPELINE as SEED_STYLE

STEPS = ("decode", *(stage.name for stage in current().stages if stage.name not in current().unavailable),
         "encode", "total")

def _pipelines(model):
    ours = PipelineConfig(model)
    seed = PipelineConfig(model, **SEED_STYLE)
    return {"ours": Pipeline(ours), "seed": Pipeline(seed)}

def time_pipelines(model, size, frames):
    """Return per-step p50/p95 ms and CPU ms per frame, for ours and the seed style."""
    payloads = [jpeg(f) for f in frames]
    pipelines = _pipelines(model)
    states = {name: StreamState.seeded(0) for name in pipelines}
    timings = {name: [] for name in pipelines}
    cpu = {name: 0.0 for name in pipelines}
    for name, pipeline in pipelines.items():  # warm up: first calls build oneDNN primitives
        pipeline.process(payloads[0], Settings(), StreamState.seeded(0))
    for payload in payloads:
        # Interleaved frame by frame, so both see the same machine at the same moment.
        for name, pipeline in pipelines.items():
            started = time.thread_time()
            timings[name].append(pipeline.process(payload, Settings(), states[name]).timings)
            cpu[name] += time.thread_time() - started
    result = {}
    for name, rows in timings.items():
        result[name] = {step: {"p50": pct([r.get(step, 0.0) for r in rows], 50),
                               "p95": pct([r.get(step, 0.0) for r in rows], 95)} for step in STEPS}
        result[name]["cpu_ms_per_frame"] = round(cpu[name] / len(rows) * 1000, 2)
    result["ratio_p50"] = round(result["ours"]["total"]["p50"] / result["seed"]["total"]["p50"], 3)
    result["size"] = size
    return result

def lip_iou(model, frames):
    """Return the lowest and mean IoU of our lip masks against full-resolution detection."""
    ours = FaceFinder(model, detectors=1)
    reference = FaceFinder(model, detect_width=0, redetect_every=1, detectors=1)
    track = FaceTrack()
    ious, missed = [], 0
    for frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        want = _mask(frame, reference.find(gray, FaceTrack()))
        got = _mask(frame, ours.find(gray, track))
        if not want.any():
            missed += 1
            continue
        ious.append((want & got).sum() / (want | got).sum())
    return {"min": round(float(min(ious)), 3), "mean": round(float(np.mean(ious)), 3),
            "frames": len(ious), "no_reference_face": missed}

def _mask(frame, faces):
    mask = np.zeros(frame.shape[:2], bool)
    for points in faces:
        mask |= lip_mask(frame.shape, points) > 0
    return mask

def run(sizes, frame_count):
    """Benchmark the pipeline at each size; return the JSON-ready results."""
    single_threaded_libraries()  # as the server does
    model = str(find_landmark_model())
    results = {}
    for size in sizes:
        frames = moving_clip(*SIZES[size], count=frame_count)
        results[size] = time_pipelines(model, size, frames)
        results[size]["lip_iou"] = lip_iou(model, frames)
    return results

def reference_floor(size, frame_count):
    """Return the IoU of full-resolution detection against itself on the clip shifted by 1 pixel.

    This is how far the reference agrees with itself; no tracker can be held to more.
    """
    model = str(find_landmark_model())
    reference = FaceFinder(model, detect_width=0, redetect_every=1, detectors=1)
    shift = np.float32([[1, 0, 1], [0, 1, 0]])
    ious = []
    for frame in moving_clip(*size, count=frame_count):
        moved = cv2.warpAffine(frame, shift, size, borderMode=cv2.BORDER_REPLICATE)
        want = _mask(frame, reference.find(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), FaceTrack()))
        got = _mask(moved, reference.find(cv2.cvtColor(moved, cv2.COLOR_BGR2GRAY), FaceTrack()))
        got = np.roll(got, -1, axis=1)
        if want.any():
            ious.append((want & got).sum() / (want | got).sum())
    return {"min": round(float(min(ious)), 3), "mean": round(float(np.mean(ious)), 3)}
