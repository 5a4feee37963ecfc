"""The parent's end of a pipeline child's pipe: a child that stops reading cannot hold a worker."""

import multiprocessing
import time

import pytest

from streaming.pipeline_child import _bound_sends


def test_a_send_to_a_reader_that_stopped_fails_within_its_bound():
    parent, child = multiprocessing.get_context("fork").Pipe()
    _bound_sends(parent, 0.3)
    parent.send(b"a frame the child reads")  # what fits in the pipe goes at once
    assert child.recv() == b"a frame the child reads"
    started = time.monotonic()
    with pytest.raises(BlockingIOError):
        parent.send(b"\0" * (8 << 20))  # the largest frame, to a child that reads nothing
    # Each partial write restarts the clock once: two bounds at most, never forever.
    assert time.monotonic() - started < 2 * 0.3 + 1.0
    parent.close()
    child.close()
