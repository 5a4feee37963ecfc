"""Run the pipeline in child processes, so frames are processed in parallel, each with its own GIL.

dlib's shape predictor holds the GIL for the whole call, and so does much of the
glue between stages; with worker threads in one process those parts take turns
with each other and with the sockets, and a 2-core machine sits partly idle at
full load. A child process per worker removes that contention. The parent keeps
the sockets; a frame goes to an idle child as JPEG bytes with the rendition's
settings and stream state, and comes back encoded with the state moved on.
A child that dies (a crash inside dlib, say), or gives no answer within a deadline
(a hang), costs the frame it held: it is killed and replaced in the background while
the other children carry on.
"""

import collections
import dataclasses
import logging
import queue
import threading
import time

from .pipeline_child import ChildFailed, PipelineChild

log = logging.getLogger(__name__)

# A child is stuck when it takes this many times the slowest of the recent frames, and
# never less than MIN_DEADLINE_S: a busy 2-core machine can stretch one frame tenfold.
DEADLINE_FACTOR = 10
MIN_DEADLINE_S = 2.0
FIRST_DEADLINE_S = 10.0  # before anything was measured (the first frames warm caches up)
RECENT_FRAMES = 50
# How long a worker waits for a free child before giving its frame up.
IDLE_WAIT_S = 10.0

class PipelineProcesses:
    """The pipeline's `process` and `config`, with each call run in one of `count` children."""

    def __init__(self, config, count, log_level=logging.INFO):
        self.config = config
        # Each child runs one frame at a time, so it needs one face detector, not one per worker.
        self._child_config = dataclasses.replace(config, workers=1)
        self._log_level = log_level
        self._idle = queue.Queue()
        self._lock = threading.Lock()  # guards _durations, _children and _closing
        self._durations = collections.deque(maxlen=RECENT_FRAMES)
        self._closing = False
        children = [PipelineChild(self._child_config, log_level) for _ in range(count)]
        try:
            self.description = [child.wait_ready() for child in children][0]
        except ChildFailed:
            for child in children:
                child.close()
            raise
        self._children = set(children)
        for child in children:
            self._idle.put(child)
        self.count = count

    def deadline_s(self):
        """Return how long a child may take on a frame before it counts as stuck."""
        with self._lock:
            if not self._durations:
                return FIRST_DEADLINE_S
            return max(MIN_DEADLINE_S, DEADLINE_FACTOR * max(self._durations))

    def pids(self):
        """Return the process ids of the children now running."""
        with self._lock:
            return sorted(child.process.pid for child in self._children)

    def process(self, payload, settings, state):
        """Decode, run the stages and encode in a child; `state` is updated as in-process."""
        try:
            child = self._idle.get(timeout=IDLE_WAIT_S)
        except queue.Empty:
            raise ChildFailed(f"no pipeline process free for {IDLE_WAIT_S:g} s") from None
        started = time.monotonic()
        try:
            answer = child.call(payload, settings, state, self.deadline_s())
        except ChildFailed as exc:
            self._discard(child, exc)
            raise
        with self._lock:
            self._durations.append(time.monotonic() - started)
        self._idle.put(child)
        if answer[0] == "failed":
            raise ChildFailed(answer[1])
        kind, outcome, moved_on = answer
        state.adopt(moved_on)
        if kind == "client_error":
            raise outcome
        return outcome

    def _discard(self, child, exc):
        """Kill a failed child and start its replacement without holding up this worker."""
        child.kill()
        child.connection.close()
        with self._lock:
            self._children.discard(child)
            if self._closing:
                return
        log.error("%s; killed it and starting another", exc)
        threading.Thread(target=self._replace, name="pipeline-replace", daemon=True).start()

    def _replace(self):
        try:
            child = PipelineChild(self._child_config, self._log_level)
            child.wait_ready()
        except (ChildFailed, OSError) as exc:
            log.error("could not replace a pipeline process: %s", exc)
            return
        with self._lock:
            if not self._closing:
                self._children.add(child)
                self._idle.put(child)
                return
        child.close()

    def close(self, timeout_s=2.0):
        """Stop every child: idle ones at once, busy ones after `timeout_s` at most."""
        with self._lock:
            self._closing = True
            busy = set(self._children)
        deadline = time.monotonic() + timeout_s
        done = []
        while busy:
            try:
                child = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:  # still busy with a frame: its worker gets a ChildFailed
                log.warning("%d pipeline process(es) busy at shutdown; killing them", len(busy))
                break
            busy.discard(child)
            child.connection.close()  # the child exits when it reads EOF
            done.append(child)
        for child in busy:
            child.kill()
        for child in done:
            child.process.join(timeout=max(0.1, deadline - time.monotonic()))
            child.kill()

    def __repr__(self):
        return f"PipelineProcesses({self.count} x {self.description})"
