"""Keep torch and OpenCV to one thread each: the server's workers already use every core."""

import cv2
import torch


def single_threaded_libraries():
    """Stop torch's and OpenCV's own thread pools from spinning beside the workers and dlib."""
    # Their pools spin while they wait for work, and each frame's operations are small, so
    # splitting one over cores costs more than it saves once every core runs a worker.
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
