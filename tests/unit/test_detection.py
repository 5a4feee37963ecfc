"""The ONNX detector: start-up checks, both layouts, letterboxing, NMS, labels, drawing, both runtimes."""

import concurrent.futures
import logging

import numpy as np
import pytest

from pipeline.detection import (COCO_LABELS, Detection, DetectorModel, DetectorModelError,
                                draw_detections)
from pipeline.detection.decode import letterbox
from pipeline.detection.runtimes import has_cuda

from ..onnx_models import (FixedOutput, RedFinder, WrongOutput, export, microsoft_op_model, red_finder,
                          yolov5_answer, yolov8_answer)

RUNTIMES = ["onnxruntime", "opencv"]
CUDA = pytest.mark.skipif(not has_cuda("onnxruntime"), reason="no CUDA device for onnxruntime")
THREE = "{0: 'cat', 1: 'dog', 2: 'bird'}"
# 640x480 into 320x320: half scale, 40 grey rows above and below.
FRAME = np.full((480, 640, 3), 90, np.uint8)


def fixed(tmp_path, answer, names=THREE, name="fixed.onnx"):
    """Export a model that always answers `answer`, with class names in its metadata if given."""
    return export(FixedOutput(answer), tmp_path / name, metadata={"names": names} if names else None)


def iou(a, b):
    """Intersection over union of two (x, y, w, h) boxes."""
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


# --- decoding, letterboxing, NMS, filters (fixed answers) ---

@pytest.mark.parametrize("runtime", RUNTIMES)
def test_yolov8_box_maps_back_to_frame_pixels(tmp_path, runtime):
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer([(160, 160, 80, 40, 1, 0.9)], 3)),
                               runtime=runtime)
    assert (model.layout, model.input_size, model.runtime, model.device) == \
        ("yolov8", (320, 320), runtime, "cpu")
    # Input x 120..200, y 140..180 -> frame: minus the 40-row pad, then doubled.
    assert model.detect(FRAME) == [Detection("dog", pytest.approx(0.9), (240, 200, 160, 80))]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_yolov5_score_is_objectness_times_class_score(tmp_path, runtime):
    answer = yolov5_answer([(160, 160, 80, 40, 0.8, 2, 0.5), (40, 60, 20, 20, 0.2, 0, 1.0)], 3)
    model = DetectorModel.load(fixed(tmp_path, answer), runtime=runtime)
    assert model.layout == "yolov5"
    assert model.detect(FRAME) == [Detection("bird", pytest.approx(0.4), (240, 200, 160, 80))]
    assert [d.label for d in model.detect(FRAME, min_score=0.1)] == ["bird", "cat"]


def test_boxes_clip_to_the_frame_and_boxes_in_the_padding_vanish(tmp_path):
    rows = [(300, 160, 80, 400, 0, 0.9),  # past the right edge and through both pads
            (100, 20, 40, 30, 1, 0.8)]  # wholly in the top grey band
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer(rows, 3)))
    assert model.detect(FRAME) == [Detection("cat", pytest.approx(0.9), (520, 0, 120, 480))]


def test_nms_is_per_class_and_results_are_best_first(tmp_path):
    rows = [(100, 100, 60, 60, 0, 0.7), (104, 102, 60, 60, 0, 0.9),  # overlap, same class
            (100, 100, 60, 60, 1, 0.6),  # same place, another class
            (250, 200, 40, 40, 0, 0.8)]  # same class, elsewhere
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer(rows, 3)))
    found = model.detect(FRAME)
    assert [(d.label, round(d.score, 2)) for d in found] == [("cat", 0.9), ("cat", 0.8), ("dog", 0.6)]


def test_at_most_100_detections_the_best_ones(tmp_path):
    rows = [(8 + 16 * (i % 20), 48 + 16 * (i // 20), 10, 10, 0, 0.3 + i / 1000) for i in range(150)]
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer(rows, 3, anchors=200)))
    found = model.detect(FRAME)
    assert len(found) == 100 and min(d.score for d in found) == pytest.approx(0.35)


def test_min_score_and_label_filter(tmp_path):
    rows = [(60, 100, 40, 40, 0, 0.9), (160, 100, 40, 40, 1, 0.5), (260, 100, 40, 40, 2, 0.2)]
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer(rows, 3)))
    assert [d.label for d in model.detect(FRAME)] == ["cat", "dog"]
    assert [d.label for d in model.detect(FRAME, min_score=0.1)] == ["cat", "dog", "bird"]
    assert [d.label for d in model.detect(FRAME, min_score=0.6)] == ["cat"]
    assert [d.label for d in model.detect(FRAME, labels={"dog", "bird"})] == ["dog"]
    assert model.detect(FRAME, labels={"unicorn"}) == []


def test_label_filter_keeps_an_allowed_class_that_was_not_the_best(tmp_path):
    answer = yolov8_answer([(160, 160, 80, 40, 1, 0.8)], 3)
    answer[0, 4 + 0, 0] = 0.5  # the same box is also a 0.5 cat
    model = DetectorModel.load(fixed(tmp_path, answer))
    assert [(d.label, d.score) for d in model.detect(FRAME, labels={"cat"})] == \
        [("cat", pytest.approx(0.5))]


def test_letterbox_pads_grey_around_the_centre_as_ultralytics_does():
    frame = np.zeros((100, 300, 3), np.uint8)
    frame[..., 2] = 255  # red in BGR
    blob, fit = letterbox(frame, (320, 320))
    assert blob.shape == (1, 3, 320, 320) and blob.dtype == np.float32
    # 107 red rows and 213 grey ones: 106 above and the odd one extra below.
    assert (fit.gain, fit.left, fit.top) == (pytest.approx(320 / 300), 0, 106)
    assert blob[0, :, 0, 0] == pytest.approx([114 / 255] * 3)
    assert blob[0, :, 160, 160] == pytest.approx([1, 0, 0])  # RGB now
    assert blob[0, 0, 106:213, 5].min() == 1 and blob[0, 0, 105, 5] < 1
    assert blob[0, 0, 213:, 5].max() < 1


def test_as_json_rounds_the_score():
    assert Detection("person", 0.9149, (1, 2, 3, 4)).as_json() == \
        {"label": "person", "score": 0.91, "box": [1, 2, 3, 4]}


# --- labels ---

def test_labels_from_metadata_win_over_a_labels_file(tmp_path, caplog):
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("a\nb\nc\n")
    path = fixed(tmp_path, yolov8_answer([], 3))
    with caplog.at_level(logging.WARNING):
        assert DetectorModel.load(path, labels_file=str(labels_file)).labels == ["cat", "dog", "bird"]
    assert "labels.txt is not read" in caplog.text


def test_labels_from_a_file_when_the_model_has_none(tmp_path):
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text("red fox\n\nowl\nbadger\n")
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer([(160, 160, 80, 40, 2, 0.9)], 3),
                                     names=None), labels_file=str(labels_file))
    assert model.labels == ["red fox", "owl", "badger"]
    assert model.detect(FRAME)[0].label == "badger"


def test_coco_names_when_there_is_nothing_else(tmp_path):
    # More anchors than channels, as in every real export: [1, 84, 100].
    model = DetectorModel.load(fixed(tmp_path, yolov8_answer([(160, 160, 80, 40, 0, 0.9)], 80, anchors=100),
                                     names=None))
    assert model.labels == COCO_LABELS and len(COCO_LABELS) == 80
    assert model.detect(FRAME)[0].label == "person"


@pytest.mark.parametrize("names,labels,problem", [
    (None, "a\nb\n", "3 classes but 2 labels come from labels file"),
    (None, None, "3 classes but 80 labels come from the COCO names"),
    (None, "missing", "cannot be read"),
    ("{0: 'cat'}", None, "3 classes but 1 labels come from the model's metadata"),
    ("__import__('os')", None, "not a Python literal"),
    ("{0: 'cat', 2: 'dog', 3: 'bird'}", None, "does not number classes 0..2"),
])
def test_labels_that_do_not_fit_are_refused(tmp_path, names, labels, problem):
    path = fixed(tmp_path, yolov8_answer([], 3), names=names)
    labels_file = None
    if labels is not None:
        labels_file = tmp_path / "labels.txt"
        if labels != "missing":
            labels_file.write_text(labels)
    with pytest.raises(DetectorModelError, match=problem) as error:
        DetectorModel.load(path, labels_file=labels_file and str(labels_file))
    assert str(error.value).startswith(f"detector model {path}: ") and "\n" not in str(error.value)


# --- drawing ---

def test_drawing_marks_inside_the_box_only_and_leaves_the_frame_alone():
    frame = np.full((240, 320, 3), 40, np.uint8)
    before = frame.copy()
    drawn = draw_detections(frame, [Detection("cat", 0.87, (50, 60, 100, 80)),
                                    Detection("dog", 0.5, (300, 220, 100, 100))])  # past the corner
    assert np.array_equal(frame, before)
    changed = np.any(drawn != frame, axis=2)
    inside = np.zeros_like(changed)
    inside[60:140, 50:150] = inside[220:, 300:] = True
    assert changed[inside].any() and not changed[~inside].any()
    assert changed[60:140, 50].all() and changed[139, 50:150].all()  # the box's own edges


def test_drawing_nothing_returns_an_equal_copy():
    drawn = draw_detections(FRAME, [])
    assert drawn is not FRAME and np.array_equal(drawn, FRAME)


# --- a model that looks at the picture ---

@pytest.fixture(scope="module")
def red_models(tmp_path_factory):
    """RedFinder models in both layouts, plus one with a landscape 320x192 input."""
    folder = tmp_path_factory.mktemp("red")
    models = {layout: red_finder(folder / f"{layout}.onnx", layout) for layout in ("yolov8", "yolov5")}
    models["wide"] = red_finder(folder / "wide.onnx", "yolov8", size=(320, 192))
    return models


def square_frame(size, bgr):
    """Return a frame of `size` with a square of colour `bgr` off-centre, and the square's box."""
    width, height = size
    frame = np.full((height, width, 3), 70, np.uint8)
    frame[: height // 2, : width // 3] = (200, 200, 200)  # something bright that is not red
    side = height // 4
    box = (width * 3 // 5, height // 2 - 3, side, side)
    frame[box[1]:box[1] + side, box[0]:box[0] + side] = bgr
    return frame, box


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("model_name", ["yolov8", "yolov5", "wide"])
@pytest.mark.parametrize("size", [(320, 240), (640, 480), (1280, 720), (67, 45)])
def test_a_red_square_is_found_where_it_is(red_models, model_name, runtime, size):
    model = DetectorModel.load(red_models[model_name], runtime=runtime)
    frame, box = square_frame(size, (0, 0, 255))
    found = model.detect(frame)
    assert len(found) == 1 and found[0].label == "red"
    assert iou(found[0].box, box) >= 0.8, (found[0].box, box)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_blue_square_is_not_red(red_models, runtime):
    model = DetectorModel.load(red_models["yolov8"], runtime=runtime)
    assert model.detect(square_frame((640, 480), (255, 0, 0))[0]) == []


@pytest.mark.parametrize("shape", [(1, 1000, 3), (1000, 1, 3), (1, 1, 3)], ids=["row", "column", "pixel"])
def test_frames_of_one_pixel_across_find_nothing_and_do_not_fail(red_models, shape):
    assert DetectorModel.load(red_models["yolov8"]).detect(np.zeros(shape, np.uint8)) == []


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_detect_can_be_called_from_several_threads(red_models, runtime):
    model = DetectorModel.load(red_models["yolov8"], runtime=runtime)
    frames = [square_frame((320 + 32 * i, 240), (0, 0, 255)) for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda item: model.detect(item[0])[0].box, frames * 4))
    assert results == [model.detect(frame)[0].box for frame, _ in frames] * 4


@CUDA
def test_a_red_square_is_found_on_cuda(red_models):
    model = DetectorModel.load(red_models["yolov8"], runtime="onnxruntime", device="cuda")
    frame, box = square_frame((640, 480), (0, 0, 255))
    assert model.device == "cuda" and iou(model.detect(frame)[0].box, box) >= 0.8


# --- files and options that cannot work ---

def dynamic_size_model(tmp_path):
    return export(RedFinder((320, 320), "yolov8"), tmp_path / "dynamic.onnx", dynamic_size=True)


def text_file(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("these are not the weights you are looking for\n")
    return str(path)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("make,problem", [
    (lambda tmp: str(tmp / "nowhere" / "yolov8n.onnx"), "no such file; export one with"),
    (text_file, "onnxruntime cannot load it as ONNX"),
    (lambda tmp: export(WrongOutput(), tmp / "classifier.onnx"),
     r"output \[1, 3\] is neither YOLOv8/YOLO11 \[1, 4\+C, N\] nor YOLOv5"),
    (dynamic_size_model, r"input \[1, 3, \?, \?\] is not \[1, 3, H, W\] with fixed H and W"),
], ids=["missing", "text", "wrong-output", "dynamic-size"])
def test_unusable_model_files_are_refused_in_one_line_naming_the_file(tmp_path, runtime, make, problem):
    path = make(tmp_path)
    with pytest.raises(DetectorModelError, match=problem) as error:
        DetectorModel.load(path, runtime=runtime)
    assert str(error.value).startswith(f"detector model {path}: ") and "\n" not in str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_graph_opencv_cannot_load_is_refused_for_opencv_only(tmp_path):
    path = microsoft_op_model(tmp_path / "fast_gelu.onnx", "FastGelu")
    assert DetectorModel.load(path, runtime="onnxruntime").detect(FRAME)[0].label == "dog"
    with pytest.raises(DetectorModelError, match="OpenCV DNN cannot load it .*FastGelu") as error:
        DetectorModel.load(path, runtime="opencv")
    assert str(error.value).startswith(f"detector model {path}: ") and "\n" not in str(error.value)


def test_a_graph_that_loads_but_cannot_run_fails_at_load_not_on_the_first_frame(tmp_path):
    # BiasGelu wants a 1-D bias; given the 2-D mean twice it loads, then fails when run.
    path = microsoft_op_model(tmp_path / "bias_gelu.onnx", "BiasGelu", inputs=2)
    with pytest.raises(DetectorModelError, match="onnxruntime cannot run it .*BiasGelu") as error:
        DetectorModel.load(path, runtime="onnxruntime")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("options,problem", [
    ({"runtime": "tensorrt"}, "runtime 'tensorrt' is not one of auto, onnxruntime, opencv"),
    ({"device": "gpu"}, "device 'gpu' is not one of None, cpu, cuda"),
])
def test_unknown_options_are_refused(red_models, options, problem):
    with pytest.raises(DetectorModelError, match=problem):
        DetectorModel.load(red_models["yolov8"], **options)


@pytest.mark.skipif(has_cuda("onnxruntime") or has_cuda("opencv"), reason="a CUDA device is here")
@pytest.mark.parametrize("runtime", ["auto", *RUNTIMES])
def test_cuda_without_a_cuda_device_is_refused(red_models, runtime):
    with pytest.raises(DetectorModelError, match="device 'cuda' asked for, but .* no CUDA device"):
        DetectorModel.load(red_models["yolov8"], runtime=runtime, device="cuda")


def test_auto_and_no_device_load_on_this_machine(red_models):
    model = DetectorModel.load(red_models["wide"])
    assert model.runtime in RUNTIMES and model.device in ("cpu", "cuda")
    assert model.input_size == (320, 192)
    assert repr(model).endswith(f"yolov8, 320x192, 1 classes, {model.runtime} on {model.device})")


@pytest.mark.parametrize("frame", [np.zeros((48, 64), np.uint8), np.zeros((48, 64, 3), np.float32),
                                   np.zeros((48, 64, 4), np.uint8)], ids=["gray", "float", "bgra"])
def test_detect_wants_bgr_uint8(red_models, frame):
    with pytest.raises(ValueError, match="frame must be H x W x 3 uint8 BGR"):
        DetectorModel.load(red_models["yolov8"]).detect(frame)
