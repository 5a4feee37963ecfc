"""Recordings across the server's life: SIGTERM, kill -9 and restart, limits, the page's Record button."""

import signal
import subprocess
import sys
import time

from ..media_helpers import Publisher, call, decoded_frames, play, rows
from ..server_process import ROOT, ServerProcess


def start(artifacts, data_dir, *args):
    return ServerProcess(artifacts, "--data-dir", str(data_dir), *args).wait_ready()


def begin(server, source):
    status, entry = call("POST", server.url + "/api/recordings", {"source": source})
    assert status == 201, entry
    return entry


def test_sigterm_finishes_the_recording(artifacts, tmp_path):
    server = start(artifacts, tmp_path)
    try:
        publisher = Publisher(server.url, "term").start()
        entry = begin(server, "term")
        time.sleep(2.5)
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=15)
        publisher.stop()
    finally:
        server.stop()
    row = rows(tmp_path)[entry["id"]]
    assert row["status"] == "ok" and "shutting down" in row["message"], row
    assert decoded_frames(tmp_path / "media" / f"{entry['id']}.mp4") == row["frames"] > 10
    assert 1.5 < row["duration_s"] < 4
    # The command-line manager sees it, verifies it and deletes it.
    assert entry["id"] in manage(tmp_path, "list").stdout
    checked = manage(tmp_path, "verify")
    assert checked.returncode == 0 and f"{entry['id']}  ok" in checked.stdout
    assert manage(tmp_path, "delete", "../../etc").returncode == 2
    assert manage(tmp_path, "delete", entry["id"]).returncode == 0
    assert rows(tmp_path) == {} and not list((tmp_path / "media").iterdir())


def manage(data_dir, *args):
    """Run `python -m media --data-dir DATA_DIR ARGS...` and return the finished process."""
    return subprocess.run([sys.executable, "-m", "media", "--data-dir", str(data_dir), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_after_kill_9_the_recording_is_truncated_and_plays(artifacts, tmp_path, open_page):
    server = start(artifacts, tmp_path)
    try:
        publisher = Publisher(server.url, "killed").start()
        entry = begin(server, "killed")
        time.sleep(3.5)  # three whole fragments (a keyframe a second)
        server.kill_9()
        publisher.stop()
    finally:
        server.stop()
    assert rows(tmp_path)[entry["id"]]["status"] == "recording"  # as the kill left it
    again = start(artifacts, tmp_path)
    try:
        status, found = call("GET", f"{again.url}/api/media/{entry['id']}")
        assert status == 200
        assert found["status"] in ("truncated", "broken"), found
        assert found["status"] == "truncated", "a second a fragment: this one should play"
        assert "1 cut-off recording(s) marked truncated" in again.log()
        frames = decoded_frames(tmp_path / "media" / f"{entry['id']}.mp4")
        assert frames == found["frames"] >= 15 and found["duration_s"] >= 1.5
        facts = play(open_page(again.url + "/media"), found["url"])
        assert facts["state"] == "ok" and abs(facts["duration"] - found["duration_s"]) < 0.3, facts
    finally:
        again.stop()


def test_length_quota_and_count_limits(artifacts, tmp_path):
    server = start(artifacts, tmp_path, "--max-recording-s", "2", "--media-quota-mb", "0.15",
                   "--max-recordings", "1")
    small = Publisher(server.url, "small", fps=10, size=(160, 120)).start()
    big = Publisher(server.url, "big", fps=15).start()
    try:
        entry = begin(server, "small")
        status, refused = call("POST", server.url + "/api/recordings", {"source": "big"})
        assert status == 429 and "most at once" in refused["error"]["message"]
        deadline = time.monotonic() + 15
        while entry["status"] == "recording" and time.monotonic() < deadline:  # 2 s at most
            time.sleep(0.1)
            entry = call("GET", f"{server.url}/api/media/{entry['id']}")[1]
        assert entry["status"] == "ok" and "at most 2 s" in entry["message"], entry
        assert 1.5 < entry["duration_s"] <= 2.2
        entry = begin(server, "big")  # 640x480 frames fill 0.15 MB within a second or so
        deadline = time.monotonic() + 15
        while entry["status"] == "recording" and time.monotonic() < deadline:
            time.sleep(0.3)
            entry = call("GET", f"{server.url}/api/media/{entry['id']}")[1]
        assert entry["status"] == "ok" and "quota of 0.15 MB" in entry["message"], entry
        assert entry["duration_s"] < 2 and entry["frames"] > 0
        status, refused = call("POST", server.url + "/api/recordings", {"source": "big"})
        assert status == 507 and "quota of 0.15 MB" in refused["error"]["message"]
        status, refused = call("POST", server.url + "/api/snapshots", {"source": "big"})
        assert status == 507
    finally:
        small.stop()
        big.stop()
        server.stop()


def test_the_page_records_its_own_camera(artifacts, tmp_path, open_page):
    from ..browser_page import start_camera

    server = start(artifacts, tmp_path)
    try:
        page = open_page(server.url)
        start_camera(page)
        page.locator("#record").click()
        page.wait_for_function("() => /Recording 0:0[2-9]/.test("
                               "document.getElementById('record-status').textContent)", timeout=20000)
        assert "kB" in page.locator("#record-status").text_content()
        page.screenshot(path=str(artifacts / "media-page-recording.png"))
        page.locator("#record").click()
        page.wait_for_function("() => document.getElementById('record-status')"
                               ".textContent.startsWith('Saved')", timeout=20000)
        page.locator("#snapshot-server").click()
        page.wait_for_function("() => document.getElementById('record-status')"
                               ".textContent.startsWith('Snapshot saved')", timeout=20000)
        # Its own camera is private: its items are listed with this browser's owner key only.
        owner = {"X-Owner-Key": page.evaluate("() => localStorage.getItem('owner-key')")}
        items = call("GET", server.url + "/api/media", headers=owner)[1]["items"]
        assert sorted(item["kind"] for item in items) == ["recording", "snapshot"]
        recording = next(item for item in items if item["kind"] == "recording")
        assert recording["status"] == "ok" and recording["frames"] > 3
        assert recording["source"].startswith("camera-")  # its own private camera
        assert (recording["width"], recording["height"]) == (320, 240)
    finally:
        server.stop()
