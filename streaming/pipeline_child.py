"""One pipeline child process: its main loop, and the parent's handle on it (see pipeline_processes.py)."""

import logging
import multiprocessing
import os
import signal
import socket
import struct

from pipeline import (Pipeline, PipelineConfig, Settings, StageFailed, StreamState,
                      single_threaded_libraries)
from pipeline.huge_pages import ask_for_huge_pages
from pipeline.landmark_model import PRELOAD_MODEL_VARIABLE
from protocol import ClientError

log = logging.getLogger(__name__)

# Children are forked by a fork server: a fresh, single-threaded interpreter that imported
# torch, dlib, OpenCV, the stages and the landmark model once (pipeline/preload.py), so every
# child shares those pages instead of loading its own copy. Forking the server itself, which
# runs torch's and the sockets' threads, could leave a child holding a lock nobody releases.
_context = None

# How long handing a frame to a child may block: only a stuck child lets a frame fill the pipe
# (a frame is up to 8 MiB; the pipe holds about 200 kB), and its worker must not wait forever.
SEND_TIMEOUT_S = 2.5  # a partial write restarts the clock once: 5 s at most


def _start_method():
    """Return the multiprocessing context children start from, made on first use.

    Only then: where forkserver is not available (a monkey-patched interpreter, which the
    app refuses at start-up anyway) importing this module must still work.
    """
    global _context
    if _context is None:
        # Read by the fork server when it starts, so the model lands on huge pages.
        ask_for_huge_pages(os.environ)
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["pipeline.preload"])
    return _context


class ChildFailed(RuntimeError):
    """A child process could not start, or died while it held a frame."""


class ChildHung(ChildFailed):
    """A child gave no answer within its deadline."""


def _child_main(config, connection, log_level):
    """Serve frames on `connection` until the parent closes it."""
    # Ctrl+C and a process manager's SIGTERM reach the whole group; stopping is the parent's to do
    # (it closes the pipe), so an idle child is not mistaken for a crashed one meanwhile.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    single_threaded_libraries()
    try:
        pipeline = Pipeline(config)
    except Exception as exc:  # reported to the parent, which stops start-up with it
        connection.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    connection.send(("ready", repr(pipeline)))
    states = {}  # stream key -> StreamState: each rendition's stage states live here, not in the parent
    while True:
        try:
            payload, settings, key, forgotten = connection.recv()
        except EOFError:  # the parent closed the pipe or exited
            return
        for gone in forgotten:
            states.pop(gone, None)
        state = states.get(key)
        if state is None:
            state = states[key] = StreamState.seeded()
        try:
            connection.send(("ok", pipeline.process(payload, settings, state)))
        except ClientError as exc:
            connection.send(("client_error", exc))
        except StageFailed as exc:  # logged by the pipeline, at most once a minute per stage
            connection.send(("failed", str(exc)))
        except Exception as exc:  # a bug must not end a child that serves everyone
            log.error("pipeline failed on a frame: %s: %.200s", type(exc).__name__, exc)
            log.debug("the failure in full", exc_info=True)
            connection.send(("failed", "the pipeline failed on this frame"))


def _bound_sends(connection, timeout_s):
    """Make a blocking send on `connection`'s socket fail after `timeout_s` instead of waiting on."""
    sock = socket.socket(fileno=connection.fileno())
    try:
        seconds = int(timeout_s)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                        struct.pack("ll", seconds, int((timeout_s - seconds) * 1e6)))
    finally:
        sock.detach()  # the connection keeps its descriptor


class PipelineChild:
    """One child process and the parent's end of its pipe."""

    def __init__(self, config: PipelineConfig, log_level: int):
        # Read by the fork server when it starts (with the first child), to preload the model.
        os.environ.setdefault(PRELOAD_MODEL_VARIABLE, config.landmark_model)
        context = _start_method()
        self.connection, child_end = context.Pipe()
        _bound_sends(self.connection, SEND_TIMEOUT_S)
        self.process = context.Process(target=_child_main, args=(config, child_end, log_level),
                                       name="pipeline", daemon=True)
        self.process.start()
        child_end.close()  # so a dead child reads as EOF here

    def wait_ready(self) -> str:
        """Block until the child has built its pipeline; return the pipeline's description."""
        kind, detail = self._receive()
        if kind != "ready":
            raise ChildFailed(f"pipeline process could not start: {detail}")
        return detail

    def call(self, payload: bytes, settings: Settings, key: int, forgotten: list[int],
             deadline_s: float) -> tuple[str, object]:
        """Process one frame of stream `key` in the child; return (kind, result or error)."""
        try:
            self.connection.send((payload, settings, key, forgotten))
        except BlockingIOError:  # SO_SNDTIMEO ran out: the child stopped reading
            raise ChildHung(f"pipeline process {self.process.pid} took no frame in "
                            f"{2 * SEND_TIMEOUT_S:g} s") from None
        except OSError:  # the child is gone, or was closed after an earlier failure
            raise self.failure() from None
        # A dead child reads as EOF at once; only a stuck one keeps the pipe silent.
        if not self.connection.poll(deadline_s):
            raise ChildHung(f"pipeline process {self.process.pid} gave no answer in "
                            f"{deadline_s:.1f} s")
        return self._receive()

    def _receive(self):
        try:
            return self.connection.recv()
        except (EOFError, OSError):
            raise self.failure() from None

    def failure(self) -> "ChildFailed":
        """Return the error saying that the child exited, and how."""
        self.process.join(timeout=1)
        return ChildFailed(f"pipeline process {self.process.pid} exited "
                           f"(code {self.process.exitcode})")

    def close(self, timeout_s: float = 1.0) -> None:
        """Close the pipe; the child exits when it sees that, or is killed after `timeout_s`."""
        self.connection.close()
        self.process.join(timeout=timeout_s)
        self.kill()

    def kill(self) -> None:
        """Kill the child at once (SIGKILL works on a stopped process too) and reap it."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
