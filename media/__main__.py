"""`python -m media`: list, verify and delete the recordings and snapshots in a data folder."""

import argparse
import datetime
import logging
import os
import sys

import cv2
import numpy as np

from .store import DEFAULT_DATA_DIR, KINDS, MediaStore, is_id
from .video import probe

log = logging.getLogger("media")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m media", description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("DATA_DIR") or str(DEFAULT_DATA_DIR),
                        help="the server's data folder (default data/, env DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list items, newest first")
    listing.add_argument("--source", help="only this source's items")
    listing.add_argument("--kind", choices=KINDS)
    verify = commands.add_parser("verify", help="decode files and compare them with their rows")
    verify.add_argument("ids", nargs="*", help="items to check (default: all)")
    delete = commands.add_parser("delete", help="delete items: row and files")
    delete.add_argument("ids", nargs="+")
    delete.add_argument("--force", action="store_true", help="also one that is still recording")
    return parser.parse_args(argv)


def show(rows, out=sys.stdout):
    """Print rows as a table."""
    out.write(f"{'id':16}  {'kind':9}  {'source':16}  {'created':19}  {'seconds':>7}  "
              f"{'frames':>6}  {'dropped':>7}  {'bytes':>10}  {'seen by':8}  status\n")
    for row in rows:
        created = datetime.datetime.fromtimestamp(row["created"]).strftime("%Y-%m-%d %H:%M:%S")
        note = f" ({row['message']})" if row["message"] else ""
        out.write(f"{row['id']:16}  {row['kind']:9}  {row['source']:16.16}  {created}  "
                  f"{row['duration_s']:7.1f}  {row['frames']:6d}  {row['dropped']:7d}  "
                  f"{row['bytes']:10d}  {'maker' if row['private'] else 'everyone':8}  "
                  f"{row['status']}{note}\n")


def problem(store, row):
    """Return what is wrong with an item's file, or None."""
    path = store.main_file(row)
    if not path.is_file():
        return "its file is missing"
    if path.stat().st_size != row["bytes"]:
        return f"the file has {path.stat().st_size} bytes, the row says {row['bytes']}"
    if row["kind"] == "snapshot":
        image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
        return None if image is not None else "the picture does not decode"
    if row["status"] in ("recording", "broken"):
        return None  # nothing is promised of these
    found = probe(path)
    if found is None:
        return f"nothing decodes, yet it is listed {row['status']}"
    if found[0] != row["frames"]:
        return f"{found[0]} frames decode, the row says {row['frames']}"
    return None


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(level="WARNING", format="%(levelname)s %(name)s: %(message)s")
    store = MediaStore(args.data_dir)
    if args.command == "list":
        show(store.query(args.source, args.kind, limit=-1)[0])
        return 0
    bad = [i for i in args.ids if not is_id(i)]
    if bad:
        sys.stderr.write(f"not media ids (16 hex digits): {', '.join(bad)}\n")
        return 2
    rows = [store.get(i) for i in args.ids] if args.ids else store.query(limit=-1)[0]
    missing = [i for i, row in zip(args.ids, rows) if row is None]
    rows = [row for row in rows if row is not None]
    for media_id in missing:
        sys.stderr.write(f"{media_id}: no such item\n")
    if args.command == "verify":
        failures = 0
        for row in rows:
            why = problem(store, row)
            failures += why is not None
            sys.stdout.write(f"{row['id']}  {row['status']:9}  {why or 'ok'}\n")
        sys.stdout.write(f"{len(rows)} checked, {failures} with problems\n")
        return 1 if failures or missing else 0
    for row in rows:
        if row["status"] == "recording" and not args.force:
            sys.stderr.write(f"{row['id']}: still recording; stop it first or pass --force\n")
            continue
        store.delete(row["id"])
        sys.stdout.write(f"deleted {row['id']}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
