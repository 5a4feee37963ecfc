"""The data folder: a SQLite library (WAL) and the files it describes, changed together."""

import logging
import pathlib
import re
import secrets
import sqlite3
import threading
import time

from . import durable

log = logging.getLogger(__name__)

SCHEMA = pathlib.Path(__file__).with_name("schema.sql")
# data/ in the repository, beside the shipped test photo; git ignores what the server writes there.
DEFAULT_DATA_DIR = pathlib.Path(__file__).resolve().parents[1] / "data"
DATABASE = "library.sqlite3"
FILES = "media"
ORPHANS = "orphans"  # under FILES: files with no row, set aside at start, never deleted
ID = re.compile(r"[0-9a-f]{16}")  # fullmatch; made by new_id(), never by a client
KINDS = ("recording", "snapshot")
STATUSES = ("recording", "ok", "truncated", "broken")
# A file's name is its id and one of these endings; nothing a client sends becomes a path.
SUFFIXES = {"recording": ".mp4", "snapshot": ".jpg", "thumbnail": ".thumb.jpg"}
FILE_NAME = re.compile(r"([0-9a-f]{16})(\.mp4|\.jpg|\.thumb\.jpg|\.[a-z0-9.]*tmp)")
COLUMNS = ("id", "kind", "source", "created", "duration_s", "frames", "dropped", "bytes", "width",
           "height", "status", "message", "owner", "private")
# Columns added since the first schema: a library made before them gets them on open.
ADDED = {"owner": "TEXT NOT NULL DEFAULT ''", "private": "INTEGER NOT NULL DEFAULT 0"}


def is_id(value):
    """Tell whether `value` has the form of a media id."""
    return isinstance(value, str) and ID.fullmatch(value) is not None


def new_id():
    """Return a fresh random media id."""
    return secrets.token_hex(8)


class MediaStore:
    """Rows in `DATA_DIR/library.sqlite3`, files in `DATA_DIR/media/`; one connection behind a lock."""

    def __init__(self, data_dir):
        self.root = pathlib.Path(data_dir).resolve()
        self.files = self.root / FILES
        self.files.mkdir(parents=True, exist_ok=True)
        # One connection shared by request threads and writer threads; the lock serialises it,
        # and every statement is short.
        self._db = sqlite3.connect(self.root / DATABASE, check_same_thread=False,
                                   isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed row survives a power loss, as the file it describes does
            # (media/durable.py); the library writes a few rows a minute, so the cost is nil.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA.read_text())
            have = {row[1] for row in self._db.execute("PRAGMA table_info(media)")}
            for name, kind in ADDED.items():
                if name not in have:
                    self._db.execute(f"ALTER TABLE media ADD COLUMN {name} {kind}")

    def close(self):
        """Close the connection."""
        with self._lock:
            self._db.close()

    def path(self, media_id, role):
        """Return the file of `media_id` for `role` ("recording", "snapshot" or "thumbnail")."""
        if not is_id(media_id):
            raise ValueError("not a media id")
        return self.files / (media_id + SUFFIXES[role])

    def temp_path(self, media_id, role):
        """Return a scratch name for a file of `media_id` that becomes `path()` by rename."""
        return self.files / (media_id + SUFFIXES[role] + ".tmp")

    # Rows ----------------------------------------------------------------------------------

    def insert(self, media_id, kind, source, **values):
        """Add a row; `values` are more columns."""
        row = {"id": media_id, "kind": kind, "source": source, "created": time.time(),
               "status": "recording", **values}
        if set(row) - set(COLUMNS):
            raise ValueError(f"unknown columns {sorted(set(row) - set(COLUMNS))}")
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self._lock:
            self._db.execute(f"INSERT INTO media ({names}) VALUES ({marks})", tuple(row.values()))

    def update(self, media_id, **values):
        """Change columns of a row."""
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in values)
        with self._lock:
            self._db.execute(f"UPDATE media SET {sets} WHERE id = ?", (*values.values(), media_id))

    def get(self, media_id):
        """Return the row of `media_id` as a dict, or None."""
        with self._lock:
            row = self._db.execute("SELECT * FROM media WHERE id = ?", (media_id,)).fetchone()
        return dict(row) if row else None

    def query(self, source=None, kind=None, limit=50, offset=0, viewer=None):
        """Return rows newest first, optionally of one source and kind, and how many match.

        `viewer` is the owner digest of who asks (media/owners.py): others' private items are
        left out. None (the operator) sees everything.
        """
        where, args = [], []
        if viewer is not None:
            where.append("(private = 0 OR (owner != '' AND owner = ?))")
            args.append(viewer)
        if source is not None:
            where.append("source = ?")
            args.append(source)
        if kind is not None:
            where.append("kind = ?")
            args.append(kind)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM media{clause}", args).fetchone()[0]
            rows = self._db.execute(f"SELECT * FROM media{clause} ORDER BY created DESC, id "
                                    "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return [dict(row) for row in rows], total

    def bytes_used(self):
        """Return the bytes the finished items take."""
        with self._lock:
            return self._db.execute("SELECT COALESCE(SUM(bytes), 0) FROM media").fetchone()[0]

    def delete(self, media_id):
        """Remove an item's files, then its row; return whether there was a row."""
        for role in ("recording", "snapshot", "thumbnail"):
            self.path(media_id, role).unlink(missing_ok=True)
        return self.forget(media_id)

    def forget(self, media_id):
        """Remove an item's row only; return whether there was one."""
        with self._lock:
            return self._db.execute("DELETE FROM media WHERE id = ?", (media_id,)).rowcount > 0

    # Start-up reconciliation -----------------------------------------------------------------

    def main_file(self, row):
        """Return the file that a row is about (its video or its picture)."""
        return self.path(row["id"], row["kind"])

    def orphan_files(self):
        """Return the server-named files with no row, and scratch files a stopped write left."""
        with self._lock:
            ids = {row[0] for row in self._db.execute("SELECT id FROM media")}
        found = []
        for path in self.files.iterdir():
            match = FILE_NAME.fullmatch(path.name)
            if match is None or not path.is_file():
                continue  # not a name this server makes (or the orphans folder): not ours
            if match.group(1) not in ids or path.name.endswith("tmp"):
                found.append(path)
        return found

    def set_aside(self, paths):
        """Move `paths` into the orphans folder (a name taken there gets a number); return it."""
        folder = self.files / ORPHANS
        if paths:
            folder.mkdir(exist_ok=True)
        for path in paths:
            target, number = folder / path.name, 1
            while target.exists():
                target, number = folder / f"{path.name}.{number}", number + 1
            path.replace(target)
        if paths:
            durable.sync_dir(folder)
            durable.sync_dir(self.files)
        return folder

    def rows_without_file(self):
        """Return the rows whose main file is missing."""
        rows, _total = self.query(limit=-1)
        return [row for row in rows if not self.main_file(row).is_file()]
