"""The fixed pool of workers: the only place where frames are decoded, processed and encoded.

Workers take renditions from a queue that holds each at most once (its mailbox
guarantees that), so the queue is bounded by the number of renditions, clients
are served round robin, and no rendition is ever processed by two workers at once.
Where the pipeline runs in child processes, each child has its own queue (its lane) and
workers: a rendition's frames all go to the child that holds its stage states.
"""

import logging

from pipeline import StageFailed
from protocol import ClientError, image_bytes, in_form

from .pipeline_child import ChildFailed, ChildHung

log = logging.getLogger(__name__)

_STOP = object()
INTERNAL_ERROR = ClientError("the server failed on this frame; the next one may do better",
                             code="internal_error")
# More than one frame still unsent to a viewer means it is slow.
MAX_UNSENT_FRAMES = 1


class WorkerPool:
    """`size` workers running the pipeline for whichever rendition has a frame waiting."""

    def __init__(self, pipeline, runtime, emit, unsent_frames, on_bad_frame, size):
        self.pipeline = pipeline
        self.runtime = runtime
        self.emit = emit
        self.unsent_frames = unsent_frames  # sid -> frames not yet written to its socket
        self.on_bad_frame = on_bad_frame  # (rendition, Upload, ClientError) -> None
        lanes = len(getattr(pipeline, "lanes", ())) or 1
        self.size = max(size, lanes)  # every lane has a worker
        self._ready = [runtime.make_queue() for _ in range(lanes)]

    def start(self):
        """Start the workers, spread over the lanes."""
        for index in range(self.size):
            self.runtime.start_task(self._work, self._ready[index % len(self._ready)])

    def stop(self):
        """Ask every worker to exit once it is idle."""
        for index in range(self.size):
            self._ready[index % len(self._ready)].put(_STOP)

    def submit(self, rendition):
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
        forms = {}
        for viewer in list(rendition.viewers.values()):
            # A slow viewer is skipped rather than queued behind, so it gets the newest frame
            # once it catches up. One frame of slack keeps a busy machine's late writer thread
            # from counting as slow.
            if self.unsent_frames(viewer.sid) > MAX_UNSENT_FRAMES:
                viewer.stats.dropped += 1
                continue
            if viewer.form not in forms:
                forms[viewer.form] = in_form(result.jpeg, viewer.form)
            viewer.stats.frame_delivered(result.timings)
            viewer.touch()  # watching a live source is activity, though it sends nothing
            self.emit("response_back", (forms[viewer.form], meta), to=viewer.sid)
        for tap in list(rendition.taps):
            tap.deliver(result.jpeg, meta)
