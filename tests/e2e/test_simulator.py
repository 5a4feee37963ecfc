"""The simulated ESP32 speaks each firmware's wire format byte for byte, and injects faults on cue."""

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from bridge.mjpeg import MjpegParser
from bridge.simulator import FaultPlan, MjpegCameraSimulator, load_jpegs

from ..images import face_jpeg
from ..server_process import ROOT, free_port


@pytest.fixture
def camera():
    made = []

    def start(fmt, plan=None):
        made.append(MjpegCameraSimulator(load_jpegs(), fmt, plan, fps=30).start())
        return made[-1]

    yield start
    for sim in made:
        sim.stop()


def raw_get(url_port, path, size):
    """Return the first `size` bytes the camera sends for GET `path`, headers included."""
    with socket.create_connection(("127.0.0.1", url_port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: camera\r\n\r\n".encode())
        data = b""
        while len(data) < size:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_arduino_format_is_chunked_with_length_and_timestamp_headers(camera):
    sim = camera("arduino")
    data = raw_get(sim.port, "/stream", 3 * len(face_jpeg()))
    head, body = data.split(b"\r\n\r\n", 1)
    assert b"Content-Type: multipart/x-mixed-replace;boundary=123456789000000000000987654321" in head
    assert b"Transfer-Encoding: chunked" in head
    # One HTTP chunk per httpd_resp_send_chunk: the boundary, the part headers, the JPEG.
    size, rest = body.split(b"\r\n", 1)
    assert rest[:int(size, 16)] == b"\r\n--123456789000000000000987654321\r\n"
    rest = rest[int(size, 16) + 2:]
    size, rest = rest.split(b"\r\n", 1)
    headers = rest[:int(size, 16)]
    assert headers.startswith(b"Content-Type: image/jpeg\r\nContent-Length: %d\r\n" % len(face_jpeg()))
    assert b"X-Timestamp: " in headers and headers.endswith(b"\r\n\r\n")
    rest = rest[int(size, 16) + 2:]
    size, rest = rest.split(b"\r\n", 1)
    assert int(size, 16) == len(face_jpeg()) and rest.startswith(face_jpeg())


def test_circuitpython_format_is_raw_parts_with_boundary_frame(camera):
    sim = camera("circuitpython")
    data = raw_get(sim.port, "/stream", 2 * len(face_jpeg()))
    head, body = data.split(b"\r\n\r\n", 1)
    assert b"multipart/x-mixed-replace; boundary=frame" in head and b"chunked" not in head
    expected = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n" % len(face_jpeg())
    assert body.startswith(expected + face_jpeg() + b"\r\n--frame\r\n")


def test_control_accepts_known_variables_like_camera_web_server(camera):
    sim = camera("arduino")
    with urllib.request.urlopen(sim.control_url + "?var=framesize&val=5", timeout=10) as response:
        assert response.status == 200
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(sim.control_url + "?var=selfdestruct&val=1", timeout=10)
    assert refused.value.code == 500 and sim.controls == {"framesize": 5}


def test_capture_answers_one_jpeg(camera):
    sim = camera("arduino")
    with urllib.request.urlopen(f"http://127.0.0.1:{sim.port}/capture", timeout=10) as response:
        assert response.read() == face_jpeg()


@pytest.mark.parametrize("fault,effect", [("garbage", "skipped_bytes"), ("truncated", "bad_parts")])
def test_faults_show_up_in_the_stream(camera, fault, effect):
    sim = camera("circuitpython", FaultPlan([fault], every=2))
    parser = MjpegParser(b"frame")
    frames = parser.feed(raw_get(sim.port, "/stream", 6 * len(face_jpeg())).split(b"\r\n\r\n", 1)[1])
    assert frames and all(frame == face_jpeg() for frame in frames)
    assert getattr(parser, effect) > (40 if effect == "skipped_bytes" else 0)


def test_the_fault_plan_takes_turns_every_n_frames():
    plan = FaultPlan(["stall", "drop"], every=2)
    assert [plan.next() for _ in range(8)] == [None, "stall", None, "drop", None, "stall", None, "drop"]
    assert plan.injected == {"stall": 2, "drop": 2}
    with pytest.raises(ValueError, match="meteor"):
        FaultPlan(["meteor"])


def test_the_simulator_command_serves_a_stream_until_interrupted():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "bridge.simulator", "--fps", "20", "mjpeg",
                             "--port", str(port)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                data = raw_get(port, "/stream", 2 * len(face_jpeg()))
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "simulator did not start"
                time.sleep(0.2)
        assert face_jpeg() in data
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
