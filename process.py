"""Camera frames in, processed frames out: `python process.py`, or `process:app` for a WSGI server."""

import sys

from web import create_app
from web.cli import main

__all__ = ["create_app", "main"]


def __getattr__(name):
    """Build `app` on first use (gunicorn's `process:app`), so importing this starts nothing."""
    if name == "app":
        globals()["app"] = create_app()
        return globals()["app"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ == "__main__":
    sys.exit(main())
