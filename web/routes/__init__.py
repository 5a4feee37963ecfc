"""HTTP routes, one small blueprint a module (web/wiring.py registers them all)."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]  # where templates/, static/ and node_modules/ are

