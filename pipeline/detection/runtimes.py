"""Run an ONNX graph with onnxruntime or OpenCV DNN, on CPU or CUDA; sessions are built once."""

import logging
import threading

import cv2
import numpy as np
import onnxruntime as ort

log = logging.getLogger(__name__)

RUNTIMES = ("onnxruntime", "opencv")
DEVICES = ("cpu", "cuda")
# "auto" on CPU picks onnxruntime: about 1.8x faster than OpenCV DNN (its new engine; the classic
# engine was slower still), one thread each as the server runs them. p50 ms per detect() of a
# 640x480 frame, random-weight YOLOv8n (3.16 M params, 8.74 GFLOPs at 640), 2-core Xeon VM:
#   onnxruntime 19.1 at 320, 70.5 at 640;  opencv 33.9 at 320, 124.1 at 640
# measured with `.venv/bin/python -c "from bench import detector_bench as b; print(b.table(b.run(20)))"`.
CPU_CHOICE = "onnxruntime"


class RunnerError(ValueError):
    """A runtime cannot be used or cannot load the graph; the message leaves out the path."""


def has_cuda(runtime: str) -> bool:
    """Say whether `runtime` can run on a CUDA device here."""
    if runtime == "onnxruntime":
        return "CUDAExecutionProvider" in ort.get_available_providers()
    try:
        return cv2.cuda.getCudaEnabledDeviceCount() > 0
    except (cv2.error, AttributeError):  # builds without the cuda module
        return False


def choose(runtime: str, device: str | None) -> tuple[str, str]:
    """Resolve "auto" and device None to a (runtime, device) pair that works here."""
    if runtime not in ("auto", *RUNTIMES):
        raise RunnerError(f"runtime {runtime!r} is not one of auto, {', '.join(RUNTIMES)}")
    if device not in (None, *DEVICES):
        raise RunnerError(f"device {device!r} is not one of None, {', '.join(DEVICES)}")
    candidates = RUNTIMES if runtime == "auto" else (runtime,)
    if device != "cpu":
        for name in candidates:
            if has_cuda(name):
                return name, "cuda"
        if device == "cuda":
            raise RunnerError(f"device 'cuda' asked for, but {' and '.join(candidates)} "
                              f"{'sees' if len(candidates) == 1 else 'see'} no CUDA device")
    return (CPU_CHOICE if runtime == "auto" else runtime), "cpu"


def open_session(path: str, device: str, optimise: bool = True) -> ort.InferenceSession:
    """Build an onnxruntime session: one thread on CPU; optimise=False only to read shapes."""
    options = ort.SessionOptions()
    # One thread: the server already runs one pipeline process per core, and a pool
    # spinning beside them costs more than it saves.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    if not optimise:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device == "cuda" \
        else ["CPUExecutionProvider"]
    try:
        return ort.InferenceSession(path, options, providers=providers)
    # onnxruntime's own errors (InvalidProtobuf, Fail, ...) derive straight from Exception.
    except Exception as error:  # noqa: BLE001
        raise RunnerError(f"onnxruntime cannot load it as ONNX ({_one_line(error)})") from None


class OrtRunner:
    """Feed one blob to an onnxruntime session; session.run is safe to call from several threads."""

    runtime = "onnxruntime"

    def __init__(self, session: ort.InferenceSession, dtype: str):
        self.session = session
        self.device = "cuda" if "CUDAExecutionProvider" in session.get_providers() else "cpu"
        self.input_name = session.get_inputs()[0].name
        self.output_name = session.get_outputs()[0].name
        self.dtype = np.dtype(dtype)

    def __call__(self, blob: np.ndarray) -> np.ndarray:
        """Return the first output for a [1, 3, H, W] float32 blob."""
        feed = {self.input_name: blob.astype(self.dtype, copy=False)}
        return self.session.run([self.output_name], feed)[0].astype(np.float32, copy=False)


class OpenCvRunner:
    """Feed one blob to an OpenCV DNN net, one caller at a time (a Net holds its input)."""

    runtime = "opencv"

    def __init__(self, path: str, device: str):
        # The new engine is CPU-only; CUDA needs the classic one.
        engine = cv2.dnn.ENGINE_CLASSIC if device == "cuda" else cv2.dnn.ENGINE_AUTO
        try:
            self.net = cv2.dnn.readNetFromONNX(path, engine)
        except cv2.error as error:
            raise RunnerError(f"OpenCV DNN cannot load it ({_one_line(error)})") from None
        if device == "cuda":
            self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_CUDA)
            self.net.setPreferableTarget(cv2.dnn.DNN_TARGET_CUDA)
        self.device = device
        self.output_name = self.net.getUnconnectedOutLayersNames()[0]
        self.lock = threading.Lock()

    def __call__(self, blob: np.ndarray) -> np.ndarray:
        """Return the first output for a [1, 3, H, W] float32 blob."""
        with self.lock:
            self.net.setInput(blob)
            # forward() hands back a fresh array, so it stays valid once the lock is released.
            return np.asarray(self.net.forward(self.output_name), np.float32)


def warm_up(runner: OrtRunner | OpenCvRunner, size: tuple[int, int]) -> tuple[int, ...]:
    """Run one grey input and return the output's shape, so a graph that cannot run fails at start-up."""
    # The first run also picks kernels and sizes buffers, which would otherwise slow the first frame.
    blob = np.full((1, 3, size[1], size[0]), 114 / 255, np.float32)
    try:
        return runner(blob).shape
    # onnxruntime's errors derive straight from Exception, and cv2.error is one too.
    except Exception as error:  # noqa: BLE001
        raise RunnerError(f"{runner.runtime} cannot run it ({_one_line(error)})") from None


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 200 else text[:197] + "..."
