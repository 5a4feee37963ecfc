"""The pictures a simulated camera sends: the shipped face photo, or JPEGs from a file or folder."""

import pathlib

# The sample photo ships with the project (data/face.jpg, NASA, public domain).
DEFAULT_IMAGE = pathlib.Path(__file__).resolve().parents[2] / "data" / "face.jpg"


def load_jpegs(path=DEFAULT_IMAGE):
    """Return the bytes of a JPEG file, or of every JPEG in a folder in name order."""
    path = pathlib.Path(path)
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".jpg", ".jpeg")) \
        if path.is_dir() else [path]
    jpegs = [p.read_bytes() for p in files if p.is_file()]
    if not jpegs:
        raise FileNotFoundError(f"no JPEG files at {path}")
    return jpegs
