"""A hub in-process without a pipeline's cost: frames come back as they went in, emits are recorded."""

import collections
import queue
import threading
import time
import types

from streaming.client import ClientLimits
from streaming.hub import StreamHub
from streaming.runtime import Runtime

FRAME = b"\xff\xd8 a frame \xff\xd9"  # the hub checks type and size only; the echo never decodes


class EchoPipeline:
    """Returns each frame as its own result, as a pipeline with every stage off would, at once."""

    def process(self, jpeg, settings, state):
        return types.SimpleNamespace(jpeg=jpeg, info={}, timings={"total": 1.0}, pixels=0)

    def lane_for(self, state):
        return 0

    def close(self):
        pass


class Emitted:
    """The hub's `emit`, recorded per recipient (None: everyone) and event."""

    def __init__(self):
        self.events = collections.defaultdict(queue.Queue)
        self.kicked = []

    def __call__(self, event, data=None, to=None):
        self.events[(to, event)].put(data)

    def next(self, to, event, timeout=10):
        return self.events[(to, event)].get(timeout=timeout)

    def count(self, to, event):
        return self.events[(to, event)].qsize()

    def drain(self, to, event):
        found = []
        while not self.events[(to, event)].empty():
            found.append(self.events[(to, event)].get())
        return found


def thread_runtime():
    """Tasks on daemon threads, as threading mode runs them."""
    return Runtime(start_task=lambda fn, *args: threading.Thread(
        target=fn, args=args, daemon=True).start(), make_queue=queue.Queue, sleep=time.sleep)


def make_hub(directory=None, unsent_frames=lambda sid: 0, limits=ClientLimits(), runtime=None,
             emitted=None):
    """Return a started hub on the echo pipeline; its `emitted` holds what it sent."""
    emitted = emitted if emitted is not None else Emitted()
    hub = StreamHub(EchoPipeline(), runtime or thread_runtime(), emitted, unsent_frames,
                    kick=emitted.kicked.append, workers=1, stats_interval=60, limits=limits,
                    directory=directory)
    hub.emitted = emitted
    hub.start()
    return hub


class Tap:
    """Records what a tap is given."""

    def __init__(self):
        self.frames, self.ended = [], []

    def deliver(self, jpeg, meta):
        self.frames.append((jpeg, meta))

    def end(self, state, message):
        self.ended.append((state, message))
