"""Keep torch and OpenCV to one thread each: the server's workers already use every core."""

import cv2


def single_threaded_libraries() -> None:
    """Stop torch's and OpenCV's own thread pools from spinning beside the workers and dlib."""
    # Imported here, in the processes that run the pipeline: the serving process never
    # imports torch (about 150 MB and 3 s of start-up it does not use).
    import torch

    # Their pools spin while they wait for work, and each frame's operations are small, so
    # splitting one over cores costs more than it saves once every core runs a worker.
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
