"""Run the pipeline in child processes, so frames are processed in parallel, each with its own GIL.

dlib's shape predictor holds the GIL for the whole call, and so does much of the
glue between stages; with worker threads in one process those parts take turns
with each other and with the sockets, and a 2-core machine sits partly idle at
full load. A child process per worker removes that contention. The parent keeps
the sockets; a frame goes to an idle child as JPEG bytes with the rendition's
settings and stream state, and comes back encoded with the state moved on.
A child that dies (a crash inside dlib, say) costs one frame and is replaced.
"""

import dataclasses
import logging
import multiprocessing
import queue
import signal

from pipeline import Pipeline, single_threaded_libraries
from protocol import ClientError

log = logging.getLogger(__name__)

# Start children from a fresh interpreter: forking a process that already runs torch's
# and the server's threads can leave a child holding a lock no thread will release.
CONTEXT = multiprocessing.get_context("spawn")


class ChildFailed(RuntimeError):
    """A child process could not start, or died while it held a frame."""


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

    def call(self, payload, settings, state):
        """Process one frame in the child; return (kind, result or error, state)."""
        try:
            self.connection.send((payload, settings, state))
        except OSError:  # the child is gone, or was closed after an earlier failure
            raise self._failure() from None
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

    def close(self):
        """Close the pipe; the child exits when it sees that."""
        self.connection.close()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


class PipelineProcesses:
    """The pipeline's `process` and `config`, with each call run in one of `count` children."""

    def __init__(self, config, count, log_level=logging.INFO):
        self.config = config
        # Each child runs one frame at a time, so it needs one face detector, not one per worker.
        self._child_config = dataclasses.replace(config, workers=1)
        self._log_level = log_level
        self._idle = queue.Queue()
        children = [_Child(self._child_config, log_level) for _ in range(count)]
        try:
            self.description = [child.wait_ready() for child in children][0]
        except ChildFailed:
            for child in children:
                child.close()
            raise
        for child in children:
            self._idle.put(child)
        self.count = count

    def process(self, payload, settings, state):
        """Decode, run the stages and encode in a child; `state` is updated as in-process."""
        child = self._idle.get()
        try:
            answer = child.call(payload, settings, state)
        except ChildFailed as exc:
            log.error("%s; starting another", exc)
            child.close()
            child = self._replacement()
            raise
        finally:
            self._idle.put(child)
        if answer[0] == "failed":
            raise ChildFailed(answer[1])
        kind, outcome, moved_on = answer
        state.adopt(moved_on)
        if kind == "client_error":
            raise outcome
        return outcome

    def _replacement(self):
        child = _Child(self._child_config, self._log_level)
        child.wait_ready()
        return child

    def close(self, timeout_s=5.0):
        """Stop every child, waiting up to `timeout_s` for each one still busy with a frame."""
        for _ in range(self.count):
            try:
                child = self._idle.get(timeout=timeout_s)
            except queue.Empty:  # a worker still holds it; it is a daemon and ends with us
                log.warning("a pipeline process was busy at shutdown")
                return
            child.close()

    def __repr__(self):
        return f"PipelineProcesses({self.count} x {self.description})"
