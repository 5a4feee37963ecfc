"""What every pipeline process needs, loaded once in the fork server so that its children share it.

The fork server (streaming/pipeline_child.py) imports this module before it forks any
child: the libraries' code and data, the built-in stages and the landmark model (about
100 MB, named by PRELOAD_MODEL_VARIABLE) are then the same memory pages in every child,
counted once, instead of one copy each. The model is only read, so the pages stay shared.
"""

import gc
import os

import cv2  # noqa: F401  (imported for its pages, like torch and the modules below)
import torch  # noqa: F401

from . import faces, mean_filter  # noqa: F401  (the built-in stages import these in setup)
from .landmark_model import PRELOAD_MODEL_VARIABLE
from .shared_models import preload_face_detector, shape_predictor
from .stage_loader import load_stages

load_stages()  # imports the built-in stages and everything they import at the top
if os.environ.get(PRELOAD_MODEL_VARIABLE):
    shape_predictor(os.environ[PRELOAD_MODEL_VARIABLE])
    preload_face_detector()

# The collector would otherwise walk (and so write to) every object loaded here in each
# child, copying the pages this module exists to share.
gc.freeze()
