"""Simulated ESP32 -> bridge -> real server -> processed frames, for every wire format and fault."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import cv2
import pytest

from bridge.simulator import FaultPlan, MjpegCameraSimulator, load_jpegs
from bridge.cameras import CaptureCamera, JpegFilesCamera, MjpegPullCamera

from ..bridge_harness import WAIT_S, Rig, assert_recoloured_face, unique_name, wait_until
from ..images import FACE_JPEG, face_frame
from ..server_process import ROOT, ServerProcess
from ..socket_client import RecordingClient

WIRES = ["arduino", "circuitpython", "push"]


@pytest.fixture
def rig(server):
    made = Rig(server.url)
    yield made
    made.close()


@pytest.mark.parametrize("wire", WIRES)
def test_each_wire_format_reaches_the_server_and_comes_back_with_red_lips(rig, wire):
    camera, bridge, received, _ = rig.camera(wire)
    frames = received.wait_for(3)
    assert all(isinstance(frame, bytes) for frame in frames)  # binary frames, never data URLs
    assert_recoloured_face(frames[-1])
    wait_until(lambda: bridge.stats()["camera"] == "live", what="camera reported live")
    stats = bridge.stats()
    assert stats["camera_frames"] >= 3 and stats["refused"] == 0


FAULT_CASES = [
    *[("arduino", fault) for fault in ("truncated", "stall", "drop", "garbage", "bad_length")],
    *[("circuitpython", fault) for fault in ("truncated", "drop", "garbage", "bad_length")],
    *[("push", fault) for fault in ("truncated", "stall", "drop", "garbage")],
]


@pytest.mark.parametrize("wire,fault", FAULT_CASES)
def test_the_bridge_recovers_from_each_camera_fault(rig, wire, fault):
    plan = FaultPlan([fault], every=6, stall_s=2.0)
    camera, bridge, received, statuses = rig.camera(wire, plan, stale_after_s=1.0)
    wait_until(lambda: plan.injected[fault] >= 2, what=f"two {fault} faults")
    after = plan.last_injected_at[fault]
    frames = received.wait_for(3, after=after)
    assert_recoloured_face(frames[-1])
    assert bridge.alive()
    # Broken frames are dropped by the bridge, so the server never has to refuse one.
    assert bridge.stats()["refused"] == 0
    if fault == "stall":
        stale_at, message = statuses.wait_for("stale")
        assert "no frame for 1 s" in message
        statuses.wait_for("live", after=stale_at)


def test_a_camera_that_goes_away_is_reported_stale_then_live_when_it_returns(rig):
    camera, bridge, received, statuses = rig.camera("arduino", stale_after_s=1.0)
    received.wait_for(1)
    port = camera.port
    camera.stop()
    stale_at, _ = statuses.wait_for("stale")
    assert bridge.alive()
    again = MjpegCameraSimulator(load_jpegs(), "arduino", port=port).start()
    rig.add_stop(again.stop)
    statuses.wait_for("live", after=stale_at)
    assert_recoloured_face(received.wait_for(2, after=stale_at)[-1])


def test_the_bridge_reconnects_by_itself_when_the_server_restarts(rig, artifacts):
    first = ServerProcess(artifacts).wait_ready()
    rig.add_stop(first.stop)
    bridge, received, _ = rig.bridge(JpegFilesCamera(FACE_JPEG, fps=15), server_url=first.url)
    received.wait_for(2)
    first.stop()
    restarted_at = time.monotonic()
    second = ServerProcess(artifacts, port=first.port).wait_ready()
    rig.add_stop(second.stop)
    assert_recoloured_face(received.wait_for(2, after=restarted_at)[-1])
    assert bridge.uplink.connects >= 2 and bridge.alive()


def test_camera_controls_are_passed_to_camera_web_server(rig):
    camera = MjpegCameraSimulator(load_jpegs(), "arduino").start()
    rig.add_stop(camera.stop)
    source = MjpegPullCamera(camera.stream_url, controls={"framesize": 8, "quality": 12},
                             control_url=camera.control_url)
    _, received, _ = rig.bridge(source)
    received.wait_for(1)
    assert camera.controls == {"framesize": 8, "quality": 12}


def test_a_folder_of_jpegs_is_relayed(rig, tmp_path):
    (tmp_path / "a.jpg").write_bytes(FACE_JPEG.read_bytes())
    (tmp_path / "notes.txt").write_text("not a frame")
    _, received, _ = rig.bridge(JpegFilesCamera(tmp_path, fps=15))
    assert_recoloured_face(received.wait_for(2)[-1])


def test_a_video_file_is_relayed(rig, tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 15, (640, 480))
    for _ in range(10):
        writer.write(face_frame())
    writer.release()
    _, received, _ = rig.bridge(CaptureCamera(str(path), jpeg_quality=95))
    assert_recoloured_face(received.wait_for(2)[-1])


def test_the_bridge_command_relays_a_simulated_camera(rig, server):
    camera = MjpegCameraSimulator(load_jpegs(), "arduino").start()
    rig.add_stop(camera.stop)
    # -X faulthandler: should it ever hang, SIGABRT makes it print every thread's stack.
    proc = subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "bridge", camera.stream_url,
                             "--name", unique_name("cli"),
                             "--server", server.url, "--stats-every", "1"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            # Ctrl-C as in a terminal: a shell's background job would pass on
                            # SIGINT ignored, and the bridge would then rightly ignore it too.
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines, seen = queue.Queue(), []
    threading.Thread(target=lambda: [(lines.put(line), seen.append(line)) for line in proc.stderr],
                     daemon=True).start()
    try:
        deadline = time.monotonic() + WAIT_S
        while not re.search(r"processed=[1-9]", lines.get(timeout=max(0.1, deadline - time.monotonic()))):
            pass
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            status = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)
            proc.wait(10)
            time.sleep(0.5)  # let the reader take the stacks in
            raise AssertionError("the bridge did not exit on Ctrl-C:\n" + "".join(seen[-60:]))
        assert status == 0


@pytest.mark.parametrize("refusal", ["no token", "name taken"])
def test_the_bridge_stops_on_a_refusal_waiting_cannot_fix_and_says_what_to_do(server, tmp_path,
                                                                                refusal):
    (tmp_path / "a.jpg").write_bytes(FACE_JPEG.read_bytes())
    name = unique_name("refused")
    holder = None
    env = dict(os.environ)
    if refusal == "no token":
        env.pop("ACCESS_TOKEN", None)
    else:
        holder = RecordingClient(server.url, auth={"source": name, "claim": "h" * 24})
    try:
        proc = subprocess.run([sys.executable, "-m", "bridge", str(tmp_path), "--name", name,
                               "--server", server.url], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)
    finally:
        if holder is not None:
            holder.close()
    assert proc.returncode == 1, proc.stderr[-2000:]
    advice = {"no token": "--token or $ACCESS_TOKEN", "name taken": "another --name"}[refusal]
    refused = [line for line in proc.stderr.splitlines() if "refused the camera" in line]
    assert len(refused) == 1 and advice in refused[0], proc.stderr[-2000:]
    assert "retrying" not in proc.stderr
