"""Tiny ONNX detectors built with torch for the detection tests: fixed answers and a red-square finder."""

import pathlib
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn


def export(module: nn.Module, path: pathlib.Path, size: tuple[int, int] = (320, 320),
           metadata: dict[str, str] | None = None, dynamic_size: bool = False) -> str:
    """Export `module` for a [1, 3, h, w] input to path, with optional metadata; return the path."""
    dynamic_axes = {"images": {2: "height", 3: "width"}} if dynamic_size else None
    image = torch.zeros(1, 3, size[1], size[0])
    with warnings.catch_warnings():
        # The TorchScript exporter is chosen on purpose (it writes these small graphs op for op
        # and needs no onnxscript); its deprecation notice is not news to the test run.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(module.eval(), (image,), str(path), input_names=["images"],
                          output_names=["output0"], dynamic_axes=dynamic_axes, opset_version=17,
                          dynamo=False)
    if metadata:
        model = onnx.load(str(path))
        for key, value in metadata.items():
            model.metadata_props.add(key=key, value=value)
        onnx.save(model, str(path))
    return str(path)


class FixedOutput(nn.Module):
    """Answer the same tensor whatever the picture."""

    def __init__(self, answer: np.ndarray):
        super().__init__()
        self.register_buffer("answer", torch.from_numpy(np.ascontiguousarray(answer, np.float32)))

    def forward(self, image):
        # Touch the input so the exported graph keeps it (some runtimes reject unused inputs).
        return self.answer + image.mean() * 0


def yolov8_answer(rows: list[tuple], classes: int, anchors: int = 32) -> np.ndarray:
    """Build a [1, 4+C, N] output from rows (cx, cy, w, h, class id, score); other anchors empty."""
    answer = np.zeros((1, 4 + classes, anchors), np.float32)
    for anchor, (cx, cy, w, h, class_id, score) in enumerate(rows):
        answer[0, :4, anchor] = (cx, cy, w, h)
        answer[0, 4 + class_id, anchor] = score
    return answer


def yolov5_answer(rows: list[tuple], classes: int, anchors: int = 32) -> np.ndarray:
    """Build a [1, N, 5+C] output from rows (cx, cy, w, h, objectness, class id, class score)."""
    answer = np.zeros((1, anchors, 5 + classes), np.float32)
    for anchor, (cx, cy, w, h, objectness, class_id, score) in enumerate(rows):
        answer[0, anchor, :5] = (cx, cy, w, h, objectness)
        answer[0, anchor, 5 + class_id] = score
    return answer


class RedFinder(nn.Module):
    """Box the pure-red pixels of an RGB 0..1 input: one anchor, class "red", score 1 if any."""

    def __init__(self, size: tuple[int, int], layout: str, anchors: int = 16):
        super().__init__()
        self.layout, self.anchors = layout, anchors
        self.register_buffer("xs", torch.arange(size[0], dtype=torch.float32))
        self.register_buffer("ys", torch.arange(size[1], dtype=torch.float32))

    def _span(self, hits, steps):
        # First and one-past-last index where hits > 0; an empty span has start > end.
        start = torch.where(hits > 0, steps, steps.shape[0] * 1.0).amin(dim=1)
        end = torch.where(hits > 0, steps + 1, 0.0).amax(dim=1)
        return start, end

    def forward(self, image):
        # Channel 0 must be red: a BGR input would put blue here and find nothing red.
        redness = image[:, 0] - torch.maximum(image[:, 1], image[:, 2])
        mask = (redness > 0.5).float()
        x1, x2 = self._span(mask.amax(dim=1), self.xs)
        y1, y2 = self._span(mask.amax(dim=2), self.ys)
        score = mask.amax(dim=(1, 2))
        box = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, score], dim=1)
        if self.layout == "yolov8":  # [1, 5, N], the answer in anchor 0
            empty = torch.zeros(1, 5, self.anchors - 1)
            return torch.cat([box.unsqueeze(2), empty], dim=2)
        row = torch.cat([box, torch.ones(1, 1)], dim=1)  # objectness = score, class score 1
        return torch.cat([row.unsqueeze(1), torch.zeros(1, self.anchors - 1, 6)], dim=1)


class WrongOutput(nn.Module):
    """A classifier-shaped [1, 3] output: not a detector."""

    def forward(self, image):
        return image.mean(dim=(2, 3))


def red_finder(path: pathlib.Path, layout: str = "yolov8", size: tuple[int, int] = (320, 320)) -> str:
    """Export a RedFinder with the class name "red" in its metadata."""
    return export(RedFinder(size, layout), path, size, {"names": "{0: 'red'}"})


def microsoft_op_model(path: pathlib.Path, op: str, inputs: int = 1) -> str:
    """Save a fixed-answer detector that also runs onnxruntime's com.microsoft `op` on the input mean."""
    answer = numpy_helper.from_array(yolov8_answer([(160, 160, 80, 40, 1, 0.9)], 3), "answer")
    zero = numpy_helper.from_array(np.zeros(1, np.float32), "zero")
    nodes = [helper.make_node("ReduceMean", ["images"], ["mean"], axes=[2, 3], keepdims=0),
             helper.make_node(op, ["mean"] * inputs, ["odd"], domain="com.microsoft"),
             helper.make_node("ReduceMean", ["odd"], ["odd_mean"], keepdims=0),
             helper.make_node("Mul", ["odd_mean", "zero"], ["nothing"]),
             helper.make_node("Add", ["answer", "nothing"], ["output0"])]
    graph = helper.make_graph(
        nodes, "microsoft_op", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 320, 320])],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, [1, 7, 32])], [answer, zero])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    helper.set_model_props(model, {"names": "{0: 'cat', 1: 'dog', 2: 'bird'}"})
    onnx.save(model, str(path))
    return str(path)
