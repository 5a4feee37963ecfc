"""The pipeline on its own, without Flask: every stage, the filter maths, noise and lips."""

import cv2
import numpy as np
import pytest
import torch

from pipeline import Pipeline, PipelineConfig, Settings, StreamState, find_landmark_model
from pipeline.faces import MAX_SEARCH_PIXELS
from pipeline.frame import is_frame
from pipeline.lips import recolour
from pipeline.noise import salt_noise
from pipeline.stages.filter import KERNEL_SIZES, MeanFilter

from ..images import face_frame, face_jpeg, redness, reference_lip_masks

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device"))]
ODD_SIZES = [(45, 67), (240, 320), (720, 1280)]


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(PipelineConfig(str(find_landmark_model())))


def filtered(frame, device, **settings):
    """Run the filter stage alone on `frame` with `settings`, as the pipeline would."""
    stage = MeanFilter()
    stage.setup(PipelineConfig(device=device))
    return stage.process(frame, stage.params(Settings(**settings)), None)


def sized_face(height, width):
    return cv2.resize(face_frame(), (width, height), interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize("height,width", ODD_SIZES)
def test_every_registered_stage_keeps_the_frame_contract(pipeline, height, width):
    frame = sized_face(height, width)
    state = StreamState.seeded(0)
    for stage in pipeline.stages:
        out = stage.process(frame, stage.params(Settings()), state.of(stage))
        assert is_frame(out), repr(stage)
        assert out.shape == frame.shape, repr(stage)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", list(KERNEL_SIZES))
def test_filter_equals_a_reference_mean_filter(device, size):
    frame = sized_face(45, 67)
    out = filtered(frame, device, kernel_size=size)
    reference = cv2.blur(frame, (size, size), borderType=cv2.BORDER_REPLICATE)
    assert np.abs(out.astype(int) - reference).max() <= 1


@pytest.mark.parametrize("size", [3, 7, 15])
def test_filter_equals_the_direct_k_by_k_convolution(size):
    """The two-pass filter gives what one k x k conv2d gave (the filter before it was split)."""
    frame = sized_face(480, 640)
    padded = cv2.copyMakeBorder(frame, size // 2, size // 2, size // 2, size // 2, cv2.BORDER_REPLICATE)
    pixels = torch.from_numpy(padded.astype(np.float32)).permute(2, 0, 1)[None]
    kernel = torch.full((3, 1, size, size), 1.0 / size ** 2)
    direct = torch.nn.functional.conv2d(pixels, kernel, groups=3)[0].permute(1, 2, 0).numpy()
    out = filtered(frame, "cpu", kernel_size=size)
    difference = np.abs(out.astype(int) - np.rint(direct).astype(int))[1:-1, 1:-1]
    assert difference.max() <= 1


@pytest.mark.parametrize("size", [3, 15])
def test_a_frame_filtered_in_bands_has_no_seams(size):
    frame = sized_face(720, 1280)  # 720 rows, filtered on the CPU in bands (pipeline.mean_filter)
    out = filtered(frame, "cpu", kernel_size=size)
    reference = cv2.blur(frame, (size, size), borderType=cv2.BORDER_REPLICATE)
    assert np.abs(out.astype(int) - reference).max() <= 1


@pytest.mark.parametrize("device", DEVICES)
def test_grayscale_filter_filters_the_luminance(device):
    frame = sized_face(120, 161)
    out = filtered(frame, device, kernel_size=5, grayscale=True)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    reference = cv2.blur(gray, (5, 5), borderType=cv2.BORDER_REPLICATE)
    assert (out[:, :, 0] == out[:, :, 1]).all() and (out[:, :, 1] == out[:, :, 2]).all()
    assert np.abs(out[:, :, 0].astype(int) - reference).max() <= 1


def test_filter_does_not_wrap_around_at_white_or_black():
    frame = np.zeros((30, 30, 3), np.uint8)
    frame[:, 15:] = 255
    out = filtered(frame, "cpu", kernel_size=15)
    assert out[:, -1].min() == 255 and out[:, 0].max() == 0


@pytest.mark.parametrize("amount", [0.01, 0.05, 0.2])
def test_noise_amount_matches_the_setting(amount):
    frame = np.zeros((480, 640, 3), np.uint8)
    noisy = salt_noise(frame, amount, np.random.default_rng(1))
    fraction = (noisy == 255).all(axis=2).mean()
    assert abs(fraction - amount) < 0.1 * amount + 0.002


def test_noise_whitens_whole_pixels_and_leaves_the_rest():
    frame = face_frame()
    noisy = salt_noise(frame, 0.05, np.random.default_rng(2))
    changed = (noisy != frame).any(axis=2)
    assert (noisy[changed] == 255).all()  # every channel of a salted pixel, none half-done
    assert (noisy[~changed] == frame[~changed]).all()
    assert (frame == face_frame()).all()  # the input is left as it was


def test_noise_is_reproducible_per_client_seed():
    frame = face_frame()
    a = salt_noise(frame, 0.05, np.random.default_rng(7))
    b = salt_noise(frame, 0.05, np.random.default_rng(7))
    c = salt_noise(frame, 0.05, np.random.default_rng(8))
    assert (a == b).all() and not (a == c).all()


def lips_only():
    return Settings(noise=False, filter=False, stamp=False, lip_color="#ff0000", lip_strength=0.8)


def test_lips_are_redder_and_the_rest_of_the_face_is_not(pipeline):
    frame = face_frame()
    lips, mouth = reference_lip_masks(frame)
    assert lips.sum() > 500, "the reference photo must show lips"
    out = pipeline.run(frame, lips_only(), StreamState.seeded(0), {})
    assert redness(out, lips) - redness(frame, lips) > 25
    # Away from the lips (beyond the feathered edge) nothing changes.
    near_lips = cv2.dilate(lips.astype(np.uint8), np.ones((25, 25), np.uint8)) > 0
    untouched = ~near_lips
    assert np.abs(out[untouched].astype(int) - frame[untouched]).max() == 0


def test_open_mouth_is_not_painted(pipeline):
    frame = face_frame()
    lips, mouth = reference_lip_masks(frame)
    inside = cv2.erode(mouth.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert inside.sum() > 20, "the reference photo must show an open mouth"
    out = pipeline.run(frame, lips_only(), StreamState.seeded(0), {})
    change_inside = np.abs(out[inside].astype(int) - frame[inside]).mean()
    change_lips = np.abs(out[lips].astype(int) - frame[lips]).mean()
    assert change_inside < change_lips / 3


def test_every_face_gets_lips(pipeline):
    frame = face_frame()
    two = cv2.hconcat([frame, frame])
    lips, _ = reference_lip_masks(two)
    left, right = lips.copy(), lips.copy()
    left[:, 640:] = False
    right[:, :640] = False
    out = pipeline.run(two, lips_only(), StreamState.seeded(0), {})
    for side in (left, right):
        assert side.sum() > 500
        assert redness(out, side) - redness(two, side) > 25


def test_a_still_face_is_painted_from_its_kept_mask_as_from_a_fresh_one(pipeline):
    frame, state = face_frame(), StreamState.seeded(0)
    kept = [pipeline.run(frame, lips_only(), state, {}) for _ in range(3)]
    assert all(np.array_equal(out, kept[0]) for out in kept)
    # A moved face's landmarks change, and with them its mask: the paint follows the lips.
    shift = np.float32([[1, 0, 4], [0, 1, 0]])
    moved = cv2.warpAffine(frame, shift, frame.shape[1::-1], borderMode=cv2.BORDER_REPLICATE)
    out = pipeline.run(moved, lips_only(), state, {})
    painted = moved.copy()
    lips = next(stage for stage in pipeline.stages if stage.name == "lips")
    for points in [face.points for face in state.of(lips).faces.faces]:
        recolour(painted, points, (0, 0, 255), 0.8)
    assert np.array_equal(out, painted) and not np.array_equal(out, kept[0])


def test_a_frame_without_a_face_passes_unchanged(pipeline):
    frame = np.full((240, 320, 3), 90, np.uint8)
    out = pipeline.run(frame, lips_only(), StreamState.seeded(0), {})
    assert (out == frame).all()


def test_stages_view_shows_four_panels(pipeline):
    result = pipeline.process(face_jpeg(), Settings(view="stages"), StreamState.seeded(0))
    out = cv2.imdecode(np.frombuffer(result.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert out.shape[1] == 4 * 320 and out.shape[0] == 240


def test_process_reports_milliseconds_per_stage(pipeline):
    result = pipeline.process(face_jpeg(), Settings(), StreamState.seeded(0))
    assert {"decode", "noise", "filter", "lips", "stamp", "encode", "total"} <= set(result.timings)
    assert result.timings["total"] >= result.timings["lips"] > 0


@pytest.mark.parametrize("width,height", [(2, 10000), (10000, 2), (16, 9000), (90, 2000)])
def test_the_face_search_never_looks_at_more_than_its_pixel_budget(pipeline, width, height):
    lips = next(stage for stage in pipeline.stages if stage.name == "lips")
    seen = []
    run_detector = lips.faces._run_detector
    lips.faces._run_detector = lambda gray: seen.append(gray.shape) or run_detector(gray)
    try:
        frame = cv2.resize(face_frame(), (width, height))
        lips.process(frame, lips.params(Settings()), StreamState.seeded(0).of(lips))
    finally:
        lips.faces._run_detector = run_detector
    assert all(h * w <= max(width * height, MAX_SEARCH_PIXELS) for h, w in seen), seen
