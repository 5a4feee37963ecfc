"""The detect stage in a real server: a model chosen at start-up, boxes on the frame and in the meta."""

import subprocess
import sys

import cv2
import numpy as np
import pytest

from ..media_helpers import call
from ..onnx_models import red_finder
from ..server_process import ROOT, ServerProcess
from ..socket_client import RecordingClient

SQUARE = (400, 180, 120, 90)  # x, y, w, h of the red square in a 640x480 grey frame
QUIET = {"noise": False, "lips": False, "stamp": False}


def with_red_square(frame):
    x, y, w, h = SQUARE
    out = frame.copy()
    out[y:y + h, x:x + w] = (0, 0, 255)  # BGR
    return out


def jpeg(frame):
    return cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


@pytest.fixture(scope="module")
def detect_server(artifacts, tmp_path_factory):
    model = red_finder(tmp_path_factory.mktemp("model") / "red.onnx", size=(320, 320))
    server = ServerProcess(artifacts, "--detector-model", model, "--workers", "1").wait_ready()
    yield server
    server.stop()


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def test_detections_come_with_the_frame_and_are_drawn_on_it(detect_server):
    client = RecordingClient(detect_server.url)
    try:
        client.next("settings")
        answer = client.settings({**QUIET, "detect": True, "filter": False})
        assert answer["settings"]["detect"] is True
        frame = with_red_square(np.full((480, 640, 3), 90, np.uint8))
        client.send(jpeg(frame))
        processed, meta = client.next("response_back")
        [found] = meta["detections"]
        assert found["label"] == "red" and found["score"] > 0.9
        assert iou(found["box"], SQUARE) > 0.8
        out = cv2.imdecode(np.frombuffer(processed, np.uint8), cv2.IMREAD_COLOR)
        x, y, w, h = found["box"]
        # The box is drawn: its edge differs from the sent frame, far from it nothing does.
        assert np.abs(out[y + 1, x + 10:x + w - 10].astype(int) - frame[y + 1, x + 10:x + w - 10]).max() > 60
        assert np.abs(out[20:100, 20:100].astype(int) - frame[20:100, 20:100]).mean() < 3
        stats = client.next("stats", timeout=5)
        assert stats["stage_ms"]["detect"] > 0
        # A label filter that excludes it, then detect off: no detections in the meta.
        client.settings({"detect_labels": "person, dog"})
        client.send(jpeg(frame))
        assert client.next("response_back")[1]["detections"] == []
        client.settings({"detect": False})
        client.send(jpeg(frame))
        assert "detections" not in client.next("response_back")[1]
    finally:
        client.close()


def test_the_stage_list_says_detect_is_available(detect_server):
    status, answer = call("GET", detect_server.url + "/api/stages")
    assert status == 200
    stages = answer["stages"]
    detect = next(stage for stage in stages if stage["name"] == "detect")
    assert detect["available"] is True and "reason" not in detect


def test_without_a_model_switching_detect_on_says_how_to_start_with_one(client):
    answer = client.settings({"detect": True})
    assert answer["error"]["code"] == "bad_settings"
    assert "--detector-model" in answer["error"]["message"]
    assert answer["settings"]["detect"] is False


@pytest.mark.parametrize("kind", ["missing", "not onnx", "wrong layout"])
def test_a_bad_model_stops_start_up_with_one_line(tmp_path, kind):
    path = tmp_path / "model.onnx"
    if kind == "not onnx":
        path.write_text("this is not a model\n")
    elif kind == "wrong layout":
        from ..onnx_models import WrongOutput, export
        export(WrongOutput(), path)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "process.py"), "--detector-model", str(path), "--port", "1"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1 and str(path) in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
