"""The library's promises without a server: what is on disk before a row says so, slots that never
leak, files set aside instead of deleted, one server per data folder."""

import errno
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time

import cv2
import pytest

from media import MediaLibrary, MediaLimits, lock_data_dir
from media import writer
from media.store import MediaStore

from ..images import face_frame, jpeg
from ..server_process import ROOT

FRAME = jpeg(cv2.resize(face_frame(), (96, 72)))


class Taps:
    """A stand-in for hub.attach_tap: source 'cam' exists; each tap is kept to be fed by hand."""

    def __init__(self):
        self.taps = []

    def attach(self, source, _settings, tap, _sid=None):
        if source != "cam":
            return None
        self.taps.append(tap)
        return Handle()


class Handle:
    def detach(self):
        pass


def wait_until(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def new_library(data_dir, **limits):
    taps = Taps()
    return MediaLibrary(data_dir, taps.attach, MediaLimits(**limits)), taps


def record_frames(library, taps, frames=5):
    """Start a recording of 'cam', feed it `frames` frames, and return its id (still running)."""
    media_id = library.record("cam", None)["id"]
    tap = taps.taps[-1]
    for _ in range(frames):
        tap.deliver(FRAME, {})
        time.sleep(0.01)
    wait_until(lambda: library.entry(media_id)["frames"] >= frames or media_id not in library.active)
    return media_id


@pytest.fixture
def disk_log(monkeypatch):
    """Record every fsync (by path), rename and row change, in order."""
    events = []
    fsync, replace = os.fsync, os.replace

    def logged_fsync(fd):
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        fsync(fd)

    def logged_replace(source, target, **kwargs):
        events.append(("rename", str(source), str(target)))
        replace(source, target, **kwargs)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    for name in ("insert", "update"):
        original = getattr(MediaStore, name)

        def logged(self, media_id, *args, _original=original, _name=name, **values):
            events.append(("row", _name, values.get("status")))
            return _original(self, media_id, *args, **values)

        monkeypatch.setattr(MediaStore, name, logged)
    return events


def kept_by_power_loss(events, path):
    """Tell whether `path` would be there, whole, after a power loss right after `events`.

    Only what was synced survives: the data of a file fsynced after it was written, and a
    rename once its folder was fsynced after it.
    """
    path = str(path)
    renames = [i for i, event in enumerate(events) if event[0] == "rename" and event[2] == path]
    if not renames:
        return False
    rename = renames[-1]
    scratch = events[rename][1]
    data_synced = any(event == ("fsync", scratch) for event in events[:rename])
    folder_synced = any(event == ("fsync", os.path.dirname(path)) for event in events[rename:])
    return data_synced and folder_synced


def test_a_recording_is_ok_only_after_its_file_and_folder_are_synced(tmp_path, disk_log):
    library, taps = new_library(tmp_path)
    media_id = record_frames(library, taps)
    disk_log.clear()
    assert library.stop(media_id)["status"] == "ok"
    rows = [i for i, event in enumerate(disk_log) if event == ("row", "update", "ok")]
    assert len(rows) == 1, disk_log
    final = tmp_path / "media" / f"{media_id}.mp4"
    scratch = str(final) + ".remux.tmp"
    data = disk_log.index(("fsync", scratch))
    rename = disk_log.index(("rename", scratch, str(final)))
    folder = disk_log.index(("fsync", str(tmp_path / "media")), rename)
    assert data < rename < folder < rows[0], disk_log
    # A power loss at the moment the row is written keeps the whole file under its name.
    assert kept_by_power_loss(disk_log[:rows[0]], final)
    assert ("fsync", str(tmp_path / "media" / f"{media_id}.thumb.jpg")) in disk_log[:folder]


def test_a_snapshot_row_comes_after_its_synced_file(tmp_path, disk_log):
    library, taps = new_library(tmp_path)
    feeder = threading.Timer(0.1, lambda: taps.taps[-1].deliver(FRAME, {}))
    feeder.start()
    row = library.snapshot("cam", None)
    feeder.join()
    inserted = disk_log.index(("row", "insert", "ok"))
    assert kept_by_power_loss(disk_log[:inserted], tmp_path / "media" / f"{row['id']}.jpg"), disk_log


def test_five_failed_finishes_leave_no_slot_taken(tmp_path, monkeypatch, caplog):
    library, taps = new_library(tmp_path)
    failures = {"left": 5}
    finish, update = writer.finish_file, library.store.update

    def failing_finish(*args, **kwargs):
        if failures["left"] % 2:
            failures["left"] -= 1
            raise OSError(errno.EIO, "Input/output error")
        return finish(*args, **kwargs)

    def failing_update(media_id, **values):
        if failures["left"] and values.get("status") in ("ok", "truncated"):
            failures["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        return update(media_id, **values)

    monkeypatch.setattr(writer, "finish_file", failing_finish)
    monkeypatch.setattr(library.store, "update", failing_update)
    caplog.set_level(logging.ERROR, logger="media.writer")
    failed = []
    for _ in range(5):  # the most at once is 4: a leaked slot refuses the fifth or sixth
        media_id = record_frames(library, taps, frames=2)
        row = library.stop(media_id)
        assert media_id not in library.active
        assert row["status"] == "broken" and "could not be finished" in row["message"], row
        failed.append(media_id)
    assert failures["left"] == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "media.writer"]
    assert [line.split()[1] for line in lines] == failed  # one line each
    sixth = record_frames(library, taps, frames=3)
    assert library.stop(sixth)["status"] == "ok"
    # The files of the failed ones are kept (a failed finish deletes nothing).
    assert all(list((tmp_path / "media").glob(f"{i}.mp4*")) for i in failed)


def test_a_file_without_a_row_is_set_aside_never_deleted(tmp_path):
    library, taps = new_library(tmp_path)
    kept = library.stop(record_frames(library, taps))["id"]
    library.store.close()
    files = tmp_path / "media"
    stray = {"0123456789abcdef.mp4": b"not ours any more", "fedcba9876543210.jpg": b"\xff\xd8x",
             "00000000000000aa.mp4.remux.tmp": b"half"}
    for name, body in stray.items():
        (files / name).write_bytes(body)
    (files / "notes.txt").write_text("a person's file")
    MediaLibrary(tmp_path, Taps().attach)  # the same process holds the folder: a restart here
    for name, body in stray.items():
        assert not (files / name).exists() and (files / "orphans" / name).read_bytes() == body
    assert (files / "notes.txt").exists() and (files / f"{kept}.mp4").exists()


def test_one_process_per_data_folder(tmp_path):
    assert lock_data_dir(tmp_path) == tmp_path.resolve()
    assert lock_data_dir(tmp_path / ".") == tmp_path.resolve()  # again in this process: held
    other = subprocess.run(
        [sys.executable, "-c", "import sys, media; media.lock_data_dir(sys.argv[1])", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert other.returncode != 0
    assert f"the data folder {tmp_path.resolve()} is in use by another server" in other.stderr
    assert f"(process {os.getpid()})" in other.stderr


def test_a_recording_that_cannot_be_finished_at_start_keeps_its_row_and_scratch(tmp_path, monkeypatch):
    library, taps = new_library(tmp_path)
    media_id = library.stop(record_frames(library, taps))["id"]
    library.store.update(media_id, status="recording")  # as a kill would leave it...
    scratch = library.store.temp_path(media_id, "recording")
    (tmp_path / "media" / f"{media_id}.mp4").rename(scratch)  # ...before its file was finished

    def full_disk(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("media.reconcile.finish_file", full_disk)
    MediaLibrary(tmp_path, Taps().attach)  # the server still starts
    assert library.store.get(media_id)["status"] == "recording" and scratch.is_file()
    monkeypatch.undo()
    MediaLibrary(tmp_path, Taps().attach)  # the next start finishes it
    assert library.store.get(media_id)["status"] == "truncated"
