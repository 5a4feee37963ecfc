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
import multiprocessing
import queue
import signal
import threading
import time

from pipeline import Pipeline, single_threaded_libraries
from protocol import ClientError

log = logging.getLogger(__name__)

# A child is stuck when it takes this many times the slowest of the recent frames, and
# never less than MIN_DEADLINE_S: a busy 2-core machine can stretch one frame tenfold.
DEADLINE_FACTOR = 10
MIN_DEADLINE_S = 2.0
FIRST_DEADLINE_S = 10.0  # before anything was measured (the first frames warm caches up)
RECENT_FRAMES = 50
# How long a worker waits for a free child before giving its frame up.
IDLE_WAIT_S = 10.0

# Start children from a fresh interpreter: forking a process that already runs torch's
# and the server's threads can leave a child holding a lock no thread will release.
CONTEXT = multiprocessing.get_context("spawn")


class ChildFailed(RuntimeError):
    """A child process could not start, or died while it held a frame."""


class ChildHung(ChildFailed):
    """A child gave no answer within its deadline."""


def _child_main(config, connection, log_level):
    """Serve frames on `connection` until the parent closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    single_threaded_libraries()
    try:
        pipeline = Pipeline(config)
    except Exception as exc:  # reported to the parent, which stops start-up with it
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    connection.send(("ready", repr(pipeline)))
    while True:
        try:
            payload, settings, state = connection.recv()
        except EOFError:  # the parent closed the pipe or exited
            return
        try:
            connection.send(("ok", pipeline.process(payload, settings, state), state))
        except ClientError as exc:
            connection.send(("client_error", exc, state))
        except Exception as exc:  # a bug must not end a child that serves everyone
            log.error("pipeline failed on a frame: %s: %.200s", type(exc).__name__, exc)
            log.debug("the failure in full", exc_info=True)
            connection.send(("failed", "the pipeline failed on this frame"))


class _Child:
    """One child process and the parent's end of its pipe."""

    def __init__(self, config, log_level):
        self.connection, child_end = CONTEXT.Pipe()
        self.process = CONTEXT.Process(target=_child_main, args=(config, child_end, log_level),
                                       name="pipeline", daemon=True)
        self.process.start()
        child_end.close()  # so a dead child reads as EOF here

    def wait_ready(self):
        """Block until the child has built its pipeline; return the pipeline's description."""
        kind, detail = self._receive()
        if kind != "ready":
            raise ChildFailed(f"pipeline process could not start: {detail}")
        return detail

    def call(self, payload, settings, state, deadline_s):
        """Process one frame in the child; return (kind, result or error, state)."""
        try:
            self.connection.send((payload, settings, state))
        except OSError:  # the child is gone, or was closed after an earlier failure
            raise self._failure() from None
        # A dead child reads as EOF at once; only a stuck one keeps the pipe silent.
        if not self.connection.poll(deadline_s):
            raise ChildHung(f"pipeline process {self.process.pid} gave no answer in "
                            f"{deadline_s:.1f} s")
        return self._receive()

    def _receive(self):
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise self._failure() from None

    def _failure(self):
        self.process.join(timeout=1)
        return ChildFailed(f"pipeline process {self.process.pid} exited "
                           f"(code {self.process.exitcode})")

    def close(self, timeout_s=1.0):
        """Close the pipe; the child exits when it sees that, or is killed after `timeout_s`."""
        self.connection.close()
        self.process.join(timeout=timeout_s)
        self.kill()

    def kill(self):
        """Kill the child at once (SIGKILL works on a stopped process too) and reap it."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


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
        children = [_Child(self._child_config, log_level) for _ in range(count)]
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
            child = _Child(self._child_config, self._log_level)
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
