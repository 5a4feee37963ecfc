"""The fixed pool of workers: the only place where frames are decoded, processed and encoded.

Workers take renditions from a queue that holds each at most once (its mailbox
guarantees that), so the queue is bounded by the number of renditions, clients
are served round robin, and no rendition is ever processed by two workers at once.
Where the pipeline runs in child processes, each child has its own queue (its lane) and
workers: a rendition's frames all go to the child that holds its stage states.
"""

import logging

from typing import Callable, Protocol

from pipeline import Result, Settings, StageFailed, StreamState
from protocol import ClientError, image_bytes

from .client import Upload
from .delivery import Delivery
from .pipeline_child import ChildFailed, ChildHung
from .runtime import Runtime
from .source import Rendition

log = logging.getLogger(__name__)

_STOP = object()
INTERNAL_ERROR = ClientError("the server failed on this frame; the next one may do better",
                             code="internal_error")


class FramePipeline(Protocol):
    """What workers run: a Pipeline in this process, or PipelineProcesses in child processes."""

    def process(self, image: bytes, settings: Settings, state: StreamState) -> Result:
        """Process one frame with `settings`, keeping the stages' state in `state`."""

    def lane_for(self, state: StreamState) -> int:
        """Return the lane (child process) that serves the rendition holding `state`."""

    def problem(self) -> str | None:
        """Return why it cannot process frames now (the health check's answer), or None."""

    def close(self) -> None:
        """Let go of what it holds (child processes, if any)."""


class WorkerPool:
    """`size` workers running the pipeline for whichever rendition has a frame waiting."""

    def __init__(self, pipeline: FramePipeline, runtime: Runtime, delivery: Delivery,
                 on_bad_frame: Callable[[Rendition, Upload, ClientError], None], size: int):
        self.pipeline = pipeline
        self.runtime = runtime
        self.delivery = delivery
        self.on_bad_frame = on_bad_frame
        lanes = len(getattr(pipeline, "lanes", ())) or 1
        self.size = max(size, lanes)  # every lane has a worker
        self._ready = [runtime.make_queue() for _ in range(lanes)]

    def start(self) -> None:
        """Start the workers, spread over the lanes."""
        for index in range(self.size):
            self.runtime.start_task(self._work, self._ready[index % len(self._ready)])

    def stop(self) -> None:
        """Ask every worker to exit once it is idle."""
        for index in range(self.size):
            self._ready[index % len(self._ready)].put(_STOP)

    def submit(self, rendition: Rendition) -> None:
        """Queue a rendition whose mailbox just got a frame and that no worker holds."""
        self._ready[self.pipeline.lane_for(rendition.state)].put(rendition)

    def _work(self, ready):
        while True:
            rendition = ready.get()
            if rendition is _STOP:
                return
            upload = rendition.mailbox.take()
            if upload is not None and not rendition.closed:
                try:
                    self._process(rendition, upload)
                except Exception as exc:  # a bug must not kill a worker that serves everyone
                    log.error("source %s: frame %d failed: %s: %.200s", rendition.source.name,
                              upload.seq, type(exc).__name__, exc)
                    log.debug("the failure in full", exc_info=True)
            if rendition.mailbox.finish() and not rendition.closed:
                self.submit(rendition)

    def _process(self, rendition, upload):
        try:
            result = self.runtime.run_cpu(
                self._run_pipeline, upload.payload, rendition.settings, rendition.state
            )
        except ClientError as exc:
            self.on_bad_frame(rendition, upload, exc)
            return
        except ChildHung:  # logged where it happened; only this frame is lost
            self.on_bad_frame(rendition, upload, ClientError(
                "processing this frame took too long and was stopped; send the next one",
                code="frame_timeout"))
            return
        except (ChildFailed, StageFailed):  # logged where it happened, at most once a minute
            self.on_bad_frame(rendition, upload, ClientError(
                "this frame could not be processed; send the next one", code="internal_error"))
            return
        except Exception as exc:  # a stage's bug: one line here, the sender still gets an answer
            log.error("source %s: frame %d failed in the pipeline: %s: %.200s",
                      rendition.source.name, upload.seq, type(exc).__name__, exc)
            log.debug("the failure in full", exc_info=True)
            self.on_bad_frame(rendition, upload, INTERNAL_ERROR)
            return
        upload.charge(result.pixels)
        self._deliver(rendition, upload, result)

    def _run_pipeline(self, payload, settings, state):
        # Unwrapping a data URL is CPU work too, so it runs here and never on the network loop.
        return self.pipeline.process(image_bytes(payload), settings, state)

    def _deliver(self, rendition, upload, result):
        meta = {**result.info, "seq": upload.seq, "ms": round(result.timings["total"], 2),
                "source": rendition.source.name}
        self.delivery.deliver(list(rendition.viewers.values()), list(rendition.taps), result.jpeg,
                              meta, result.timings)
