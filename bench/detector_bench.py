"""Time DetectorModel.detect on a YOLOv8n-sized graph (random weights) with both runtimes, one thread."""

import math
import pathlib
import tempfile
import time
import warnings

import cv2
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from harness.frames import face_at
from harness.stats import pct
from pipeline.detection import DetectorModel
from pipeline.detection.runtimes import RUNTIMES

SIZES = (320, 640)
WARM_UP = 3  # the first calls choose kernels and grow arenas

def conv(c1, c2, k=1, s=1):
    """Conv + BatchNorm + SiLU, as Ultralytics' Conv."""
    return nn.Sequential(nn.Conv2d(c1, c2, k, s, k // 2, bias=False), nn.BatchNorm2d(c2), nn.SiLU())

class Bottleneck(nn.Module):
    def __init__(self, c, shortcut):
        super().__init__()
        self.cv1, self.cv2, self.add = conv(c, c, 3), conv(c, c, 3), shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y

class C2f(nn.Module):
    def __init__(self, c1, c2, n, shortcut):
        super().__init__()
        self.c = c2 // 2
        self.cv1, self.cv2 = conv(c1, 2 * self.c), conv((2 + n) * self.c, c2)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        # Slices with fixed bounds rather than chunk(), which traces into Shape/Slice arithmetic
        # that OpenCV's classic importer rejects (Ultralytics' exports are simplified the same way).
        y = self.cv1(x)
        y = [y[:, :self.c], y[:, self.c:]]
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))

class SPPF(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.cv1, self.cv2, self.m = conv(c1, c1 // 2), conv(c1 * 2, c2), nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(self.m(y[-1]) for _ in range(3))
        return self.cv2(torch.cat(y, 1))

class Detect(nn.Module):
    """Ultralytics' anchor-free head: DFL boxes (16 bins) and sigmoid class scores, [1, 4+C, N]."""

    def __init__(self, classes, channels, size, strides=(8, 16, 32), bins=16):
        super().__init__()
        c2, c3 = max(16, channels[0] // 4, 4 * bins), max(channels[0], min(classes, 100))
        self.classes, self.bins, self.strides = classes, bins, strides
        self.box = nn.ModuleList(nn.Sequential(conv(c, c2, 3), conv(c2, c2, 3), nn.Conv2d(c2, 4 * bins, 1))
                                 for c in channels)
        self.cls = nn.ModuleList(nn.Sequential(conv(c, c3, 3), conv(c3, c3, 3), nn.Conv2d(c3, classes, 1))
                                 for c in channels)
        self.register_buffer("bin_values", torch.arange(bins, dtype=torch.float32).view(1, 1, -1, 1))
        # Anchor centres and strides are fixed by the input size, so they are constants in the graph.
        anchors, stride_rows = [], []
        for stride in strides:
            cells = size // stride
            ys, xs = torch.meshgrid(torch.arange(cells) + 0.5, torch.arange(cells) + 0.5, indexing="ij")
            anchors.append(torch.stack([xs.flatten(), ys.flatten()]))
            stride_rows.append(torch.full((1, cells * cells), float(stride)))
        self.register_buffer("anchors", torch.cat(anchors, 1).unsqueeze(0))
        self.register_buffer("stride_rows", torch.cat(stride_rows, 1))
        for head, stride in zip(self.cls, strides):  # Ultralytics' bias_init: few boxes at the start
            nn.init.constant_(head[-1].bias, math.log(5 / classes / (640 / stride) ** 2))

    def forward(self, features):
        box = torch.cat([head(f).view(1, 4 * self.bins, -1) for f, head in zip(features, self.box)], 2)
        scores = torch.cat([head(f).view(1, self.classes, -1) for f, head in zip(features, self.cls)], 2)
        distance = (box.view(1, 4, self.bins, -1).softmax(2) * self.bin_values).sum(2)  # DFL
        top_left, bottom_right = self.anchors - distance[:, :2], self.anchors + distance[:, 2:]
        xywh = torch.cat([(top_left + bottom_right) / 2, bottom_right - top_left], 1) * self.stride_rows
        return torch.cat([xywh, scores.sigmoid()], 1)

class YoloV8n(nn.Module):
    """YOLOv8n's backbone, PAN neck and head (about 3.2 M parameters, 8.7 GFLOPs at 640)."""

    def __init__(self, size=640, classes=80):
        super().__init__()
        self.stem = nn.Sequential(conv(3, 16, 3, 2), conv(16, 32, 3, 2), C2f(32, 32, 1, True))
        self.p3 = nn.Sequential(conv(32, 64, 3, 2), C2f(64, 64, 2, True))
        self.p4 = nn.Sequential(conv(64, 128, 3, 2), C2f(128, 128, 2, True))
        self.p5 = nn.Sequential(conv(128, 256, 3, 2), C2f(256, 256, 1, True), SPPF(256, 256))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.top_down4, self.top_down3 = C2f(384, 128, 1, False), C2f(192, 64, 1, False)
        self.down3, self.bottom_up4 = conv(64, 64, 3, 2), C2f(192, 128, 1, False)
        self.down4, self.bottom_up5 = conv(128, 128, 3, 2), C2f(384, 256, 1, False)
        self.detect = Detect(classes, (64, 128, 256), size)

    def forward(self, image):
        p3 = self.p3(self.stem(image))
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        n4 = self.top_down4(torch.cat([self.up(p5), p4], 1))
        n3 = self.top_down3(torch.cat([self.up(n4), p3], 1))
        n4 = self.bottom_up4(torch.cat([self.down3(n3), n4], 1))
        n5 = self.bottom_up5(torch.cat([self.down4(n4), p5], 1))
        return self.detect([n3, n4, n5])

def export_yolov8n(folder: pathlib.Path, size: int) -> str:
    """Export a random-weight YOLOv8n at size x size to folder; return the path."""
    torch.manual_seed(0)
    path = folder / f"yolov8n-{size}.onnx"
    with warnings.catch_warnings():  # the TorchScript exporter, chosen on purpose
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(YoloV8n(size).eval(), (torch.zeros(1, 3, size, size),), str(path),
                          input_names=["images"], output_names=["output0"], opset_version=17, dynamo=False)
    return str(path)

def graph_cost() -> dict:
    """Return YOLOv8n's parameter count (millions) and GFLOPs at 640 (2 per multiply-add)."""
    model = YoloV8n().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 640, 640))
    return {"params_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 2),
            "gflops_640": round(counter.get_total_flops() / 1e9, 2)}

def run(frames: int = 20) -> dict:
    """Return p50/p95 ms and CPU ms per detect() on a 640x480 frame, per runtime and input size."""
    cv2.setNumThreads(1)  # as the server's workers run it (pipeline.threads)
    frame = face_at(640, 480)
    with tempfile.TemporaryDirectory() as folder:
        paths = {size: export_yolov8n(pathlib.Path(folder), size) for size in SIZES}
        models = {(runtime, size): DetectorModel.load(paths[size], runtime=runtime, device="cpu")
                  for runtime in RUNTIMES for size in SIZES}
    wall = {key: [] for key in models}
    cpu = dict.fromkeys(models, 0.0)
    found = dict.fromkeys(models, 0)
    for model in models.values():
        for _ in range(WARM_UP):
            model.detect(frame)
    for _ in range(frames):
        # Interleaved frame by frame, so every model sees the machine in the same state.
        for key, model in models.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            found[key] = len(model.detect(frame))
            wall[key].append((time.perf_counter() - started) * 1000)
            cpu[key] += time.process_time() - cpu_started
    results = {runtime: {} for runtime in RUNTIMES}
    for (runtime, size), times in wall.items():
        results[runtime][str(size)] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                                       "cpu_ms": round(cpu[runtime, size] / frames * 1000, 2),
                                       "detections": found[runtime, size]}
    results["model"] = {**graph_cost(), "frames": frames, "frame": "640x480"}
    return results

def table(results: dict) -> str:
    """Format run()'s results as a small table."""
    cost = results["model"]
    lines = [f"Detector, YOLOv8n-sized ({cost['params_m']} M params, {cost['gflops_640']} GFLOPs at 640), "
             f"{cost['frame']} frame, one thread, ms per detect()",
             f"{'runtime':>12}  {'input':>5}  {'p50':>7}  {'p95':>7}  {'cpu':>7}"]
    for runtime in RUNTIMES:
        for size, row in results[runtime].items():
            lines.append(f"{runtime:>12}  {size:>5}  {row['p50_ms']:>7}  {row['p95_ms']:>7}  {row['cpu_ms']:>7}")
    return "\n".join(lines)
