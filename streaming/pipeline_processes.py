"""Run the pipeline in child processes, so frames are processed in parallel, each with its own GIL.

dlib's shape predictor holds the GIL for the whole call, and so does much of the
glue between stages; with worker threads in one process those parts take turns
with each other and with the sockets, and a 2-core machine sits partly idle at
full load. A child process per worker removes that contention. The parent keeps
the sockets. Each rendition is served by one child, its lane, chosen when its first
frame comes (the lane with the fewest streams), and its stage states (face track, FPS
meter, a detector's memory) live in that child: a frame goes there as JPEG bytes with
the rendition's settings and comes back encoded, and no state crosses the pipe.
A child that dies (a crash inside dlib, say), or gives no answer within a deadline
(a hang), costs the frame it held: it is killed and replaced in the background, and
its streams start afresh in the replacement.
"""

import collections
import dataclasses
import logging
import multiprocessing.connection
import threading
import time
import weakref

from pipeline import PipelineConfig, Result, Settings, StreamState

from .pipeline_child import ChildFailed, PipelineChild

log = logging.getLogger(__name__)

# A child is stuck when it takes this many times the slowest of the recent frames, and
# never less than MIN_DEADLINE_S: a busy 2-core machine can stretch one frame tenfold.
DEADLINE_FACTOR = 10
MIN_DEADLINE_S = 2.0
FIRST_DEADLINE_S = 10.0  # before anything was measured (the first frames warm caches up)
RECENT_FRAMES = 50
# A new child's first frames build caches and kernels, and can take ten times a later one's;
# counted, one of them would stretch the deadline tenfold for the next RECENT_FRAMES frames.
WARM_UP_FRAMES = 3
# How long a worker waits for its lane's child (busy, or being replaced) before giving up.
IDLE_WAIT_S = 10.0
REPLACE_BACKOFF_S = (1.0, 30.0)
WATCH_S = 1.0  # how often the watcher looks for children that died while idle  # a child that fails to start is tried again, waiting longer each time


class Lane:
    """One child, the lock held while it has a frame, and the streams it serves."""

    def __init__(self, child: PipelineChild):
        self.child = child  # None while a replacement starts
        self.ready = threading.Condition()
        self.busy = False
        self.served = 0  # frames the child has answered; counted while the lane is held
        self.streams = weakref.WeakSet()  # StreamStates homed here; gone with their rendition
        self.forgotten = []  # keys of streams that ended, told to the child with the next frame

    def take(self, timeout_s: float) -> PipelineChild:
        """Wait until the child is there and idle, and hold it; return it."""
        with self.ready:
            if not self.ready.wait_for(lambda: self.child is not None and not self.busy, timeout_s):
                raise ChildFailed(f"no pipeline process free for {timeout_s:g} s")
            self.busy = True
            return self.child

    def give_back(self, child: PipelineChild | None = None) -> None:
        """Release the child; `child` replaces it (None while a replacement starts)."""
        with self.ready:
            self.busy = False
            if child is not False:
                self.child = child
                self.served = 0
            self.ready.notify_all()


class PipelineProcesses:
    """The pipeline's `process` and `config`, with each stream's frames run in one of `count` children."""

    def __init__(self, config: PipelineConfig, count: int, log_level: int = logging.INFO):
        self.config = config
        # Each child runs one frame at a time, so it needs one face detector, not one per worker.
        self._child_config = dataclasses.replace(config, workers=1)
        self._log_level = log_level
        self._lock = threading.Lock()  # guards _durations, _closing and the lanes' streams
        self._durations = collections.deque(maxlen=RECENT_FRAMES)
        self._closing = False
        children = [PipelineChild(self._child_config, log_level) for _ in range(count)]
        try:
            self.description = [child.wait_ready() for child in children][0]
        except ChildFailed:
            for child in children:
                child.close()
            raise
        self.lanes = [Lane(child) for child in children]
        self.count = count
        threading.Thread(target=self._watch, name="pipeline-watch", daemon=True).start()

    def deadline_s(self) -> float:
        """Return how long a child may take on a frame before it counts as stuck."""
        with self._lock:
            if not self._durations:
                return FIRST_DEADLINE_S
            return max(MIN_DEADLINE_S, DEADLINE_FACTOR * max(self._durations))

    def problem(self) -> str | None:
        """Return why frames cannot be processed now (no child running), or None."""
        if any(lane.child is not None for lane in self.lanes):
            return None
        return "no pipeline process is running; restarting them"

    def pids(self) -> list[int]:
        """Return the process ids of the children now running."""
        return sorted(lane.child.process.pid for lane in self.lanes if lane.child is not None)

    def lane_for(self, state: StreamState) -> int:
        """Return the lane serving `state`'s stream, choosing the least busy on its first frame."""
        with self._lock:
            if state.lane is None or self.lanes[state.lane].child is None:
                # A lane whose child is being replaced lends its streams to the others; their
                # states start afresh there, as they would in the replacement.
                if state.lane is not None:
                    self.lanes[state.lane].streams.discard(state)
                live = [i for i, lane in enumerate(self.lanes) if lane.child is not None]
                state.lane = min(live or range(len(self.lanes)),
                                 key=lambda i: len(self.lanes[i].streams))
                lane = self.lanes[state.lane]
                lane.streams.add(state)
                # When the rendition goes, its states in the child go with the next frame there.
                weakref.finalize(state, lane.forgotten.append, state.key)
            return state.lane

    def process(self, payload: bytes, settings: Settings, state: StreamState) -> Result:
        """Decode, run the stages and encode in the stream's child; its state stays there."""
        lane = self.lanes[self.lane_for(state)]
        child = lane.take(IDLE_WAIT_S)
        forgotten, lane.forgotten[:] = list(lane.forgotten), []
        started = time.monotonic()
        try:
            answer = child.call(payload, settings, state.key, forgotten, self.deadline_s())
        except ChildFailed as exc:
            self._discard(lane, child, exc)
            raise
        lane.served += 1
        warming_up = lane.served <= WARM_UP_FRAMES
        lane.give_back(False)
        if not warming_up:
            with self._lock:
                self._durations.append(time.monotonic() - started)
        kind, outcome = answer
        if kind == "failed":
            raise ChildFailed(outcome)
        if kind == "client_error":
            raise outcome
        return outcome

    def _watch(self):
        """Replace an idle child that died, so its lane is ready before its next frame."""
        while not self._closing:
            lanes = {lane.child.process.sentinel: lane for lane in self.lanes if lane.child}
            dead = multiprocessing.connection.wait(list(lanes), timeout=WATCH_S)
            for sentinel in dead:
                lane = lanes[sentinel]
                try:
                    child = lane.take(0)
                except ChildFailed:  # busy: its worker finds the failure; or already replaced
                    continue
                if child.process.sentinel == sentinel:
                    self._discard(lane, child, child.failure())
                else:
                    lane.give_back(False)
            if dead:
                time.sleep(WATCH_S / 10)  # a busy dead child stays "dead" until its worker sees it

    def _discard(self, lane, child, exc):
        """Kill a failed child and start its replacement without holding up this worker."""
        child.kill()
        child.connection.close()
        lane.give_back(None)
        with self._lock:
            if self._closing:
                return
        log.error("%s; killed it and starting another", exc)
        threading.Thread(target=self._replace, args=(lane,), name="pipeline-replace",
                         daemon=True).start()

    def _replace(self, lane):
        delay = REPLACE_BACKOFF_S[0]
        while True:
            try:
                child = PipelineChild(self._child_config, self._log_level)
                child.wait_ready()
                break
            except (ChildFailed, OSError) as exc:
                log.error("could not replace a pipeline process: %s; trying again in %g s",
                          exc, delay)
            time.sleep(delay)
            delay = min(delay * 2, REPLACE_BACKOFF_S[1])
            with self._lock:
                if self._closing:
                    return
        with self._lock:
            closing = self._closing
        if closing:
            child.close()
            return
        lane.forgotten[:] = []  # the new child never held those streams
        lane.give_back(child)

    def close(self, timeout_s: float = 2.0) -> None:
        """Stop every child: idle ones at once, busy ones after `timeout_s` at most."""
        with self._lock:
            self._closing = True
        deadline = time.monotonic() + timeout_s
        done = []
        for lane in self.lanes:
            try:
                child = lane.take(max(0.0, deadline - time.monotonic()))
            except ChildFailed:  # still busy with a frame (its worker gets a ChildFailed), or gone
                if lane.child is not None:
                    log.warning("a pipeline process was busy at shutdown; killing it")
                    lane.child.kill()
                continue
            child.connection.close()  # the child exits when it reads EOF
            done.append(child)
        for child in done:
            child.process.join(timeout=max(0.1, deadline - time.monotonic()))
            child.kill()

    def __repr__(self):
        return f"PipelineProcesses({self.count} x {self.description})"
