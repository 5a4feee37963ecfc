"""Nothing recorded is lost, against real servers: one server per data folder, kill -9, a full disk."""

import subprocess
import time

import psutil
import pytest

from ..media_helpers import Publisher, call, decoded_frames, rows
from ..server_process import ServerProcess

OWNER = {"X-Owner-Key": "media-safety-owner-key-0123"}


def start(artifacts, data_dir, *args):
    return ServerProcess(artifacts, "--data-dir", str(data_dir), *args).wait_ready()


def begin(server, source):
    status, entry = call("POST", server.url + "/api/recordings", {"source": source}, OWNER)
    assert status == 201, entry
    return entry


def wait_finished(server, entry, seconds=30):
    """Poll the entry until its recording has finished; return it."""
    deadline = time.monotonic() + seconds
    while entry["status"] == "recording":
        assert time.monotonic() < deadline, entry
        time.sleep(0.3)
        entry = call("GET", f"{server.url}/api/media/{entry['id']}", headers=OWNER)[1]
    return entry


def assert_consistent(data_dir):
    """No scratch file is left, and every `ok` row has its whole file."""
    files = data_dir / "media"
    assert not [p.name for p in files.iterdir() if p.name.endswith("tmp")]
    for media_id, row in rows(data_dir).items():
        path = files / (media_id + (".mp4" if row["kind"] == "recording" else ".jpg"))
        if row["status"] in ("ok", "truncated"):
            assert path.stat().st_size == row["bytes"], row
        if row["kind"] == "recording" and row["status"] in ("ok", "truncated"):
            assert decoded_frames(path) == row["frames"], row


def test_a_second_server_on_the_folder_refuses_and_the_first_keeps_recording(artifacts, tmp_path):
    first = start(artifacts, tmp_path)
    second = None
    try:
        with Publisher(first.url, "first"):
            entry = begin(first, "first")
            started = time.monotonic()
            time.sleep(1.5)
            second = ServerProcess(artifacts, "--data-dir", str(tmp_path))
            try:
                code = second.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                pytest.fail(f"a second server started on the same data folder:\n{second.log()[-2000:]}")
            assert code != 0
            assert f"the data folder {tmp_path.resolve()} is in use by another server" in second.log()
            time.sleep(1)
            status, done = call("POST", f"{first.url}/api/recordings/{entry['id']}/stop", headers=OWNER)
            recorded_s = time.monotonic() - started
        # Whole: as long as it ran, every frame decodes, nothing was cut back by the second server.
        assert status == 200 and done["status"] == "ok" and done["message"] == "", done
        assert decoded_frames(tmp_path / "media" / f"{entry['id']}.mp4") == done["frames"] > 20
        assert recorded_s - 1.5 < done["duration_s"] <= recorded_s + 0.5, (done, recorded_s)
    finally:
        if second is not None:
            second.stop()
        first.stop()


def test_after_kill_9_no_file_is_deleted_and_no_ok_row_lacks_its_file(artifacts, tmp_path):
    server = start(artifacts, tmp_path)
    stray = tmp_path / "media" / "0123456789abcdef.mp4"
    try:
        publisher = Publisher(server.url, "killed").start()
        status, snap = call("POST", server.url + "/api/snapshots", {"source": "killed"}, OWNER)
        assert status == 201
        entry = begin(server, "killed")
        stray.write_bytes(b"a file the library has no row for")
        time.sleep(2.5)
        server.kill_9()
        publisher.stop()
    finally:
        server.stop()
    before = {p.name: p.stat().st_size for p in (tmp_path / "media").iterdir() if p.is_file()}
    assert rows(tmp_path)[entry["id"]]["status"] == "recording"
    again = start(artifacts, tmp_path)
    try:
        found = call("GET", f"{again.url}/api/media/{entry['id']}", headers=OWNER)[1]
        assert found["status"] in ("truncated", "broken") and found["frames"] >= 5, found
        assert call("GET", f"{again.url}/api/media/{snap['id']}", headers=OWNER)[1]["status"] == "ok"
        assert "set aside 1 file(s) without a row" in again.log()
    finally:
        again.stop()
    orphans = tmp_path / "media" / "orphans"
    assert (orphans / stray.name).read_bytes() == b"a file the library has no row for"
    # Every file is still there, under its name, or set aside; only the scratch file became
    # the recording's final file.
    after = {p.name for p in (tmp_path / "media").iterdir() if p.is_file()}
    for name in before:
        assert name in after or (orphans / name).exists() or name == f"{entry['id']}.mp4.tmp", name
    assert_consistent(tmp_path)


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs mounted for the test (root only; skipped where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
                             capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here to fill a disk for real: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True, timeout=30)


def fill(disk, leave_bytes):
    """Write a filler file until only about `leave_bytes` are free; return it."""
    filler = disk / "filler.bin"
    with open(filler, "ab") as out:
        try:
            while psutil.disk_usage(str(disk)).free > leave_bytes:
                out.write(b"\0" * min(65536, max(4096, psutil.disk_usage(str(disk)).free - leave_bytes)))
                out.flush()
        except OSError:
            pass  # full
    return filler


def test_a_full_disk_stops_a_recording_and_refuses_a_snapshot_cleanly(artifacts, small_disk):
    server = start(artifacts, small_disk, "--max-recordings", "1")
    try:
        with Publisher(server.url, "big"):
            filler = fill(small_disk, 400_000)
            entry = wait_finished(server, begin(server, "big"))
            assert "the disk is full" in entry["message"], entry
            assert entry["status"] in ("truncated", "broken"), entry
            assert_consistent(small_disk)
            filler.unlink()
            entry = begin(server, "big")  # its slot was freed: the most at once is one
            time.sleep(1.5)
            done = call("POST", f"{server.url}/api/recordings/{entry['id']}/stop", headers=OWNER)[1]
            assert done["status"] == "ok" and done["frames"] > 5, done
            known = set(rows(small_disk))
            filler = fill(small_disk, 0)
            status, answer = call("POST", server.url + "/api/snapshots", {"source": "big"}, OWNER)
            assert status == 507 and answer["error"]["code"] == "disk_full", answer
            assert "the disk is full" in answer["error"]["message"]
            filler.unlink()
        assert set(rows(small_disk)) == known
        assert_consistent(small_disk)
    finally:
        server.stop()
