"""Frames coming in: rate-limited and checked, filed in their source's mailboxes, workers woken.

Nothing here does CPU work: it runs on the connection's own thread (or green thread).
"""

from typing import Callable

from protocol import ClientError, FrameError, check_payload

from .client import Client, ClientLimits, Upload
from .graph import SourceGraph
from .replies import reject
from .runtime import Runtime
from .source import Source
from .workers import WorkerPool


class FrameIntake:
    """Takes each client's frames (and a --camera's) into the sources' renditions."""

    def __init__(self, graph: SourceGraph, pool: WorkerPool, limits: ClientLimits,
                 runtime: Runtime, emit: Callable[..., object], announce: Callable[[], None]):
        self.graph = graph
        self.pool = pool
        self.limits = limits
        self.runtime = runtime
        self.emit = emit
        self.announce = announce  # a source's first frame puts it on everyone's list

    def receive(self, client: Client, payload: object) -> dict:
        """Accept a frame into the mailboxes of its source's renditions; return the ack."""
        client.touch()
        # Every frame is numbered, so an error about it can say which one it was.
        seq = client.stats.frame_received()
        if not client.bucket.take():
            answer = reject(self.emit, client, ClientError(
                f"more than {self.limits.max_fps:g} frames a second (big frames count as several); "
                f"this frame was dropped", code="rate_limited"), seq)
            # Not reading this connection until its rate allows a frame again pushes back on the
            # sender through TCP, so a flood costs the server what it may spend, not what it sends.
            self.runtime.sleep(client.bucket.wait_s())
            return answer
        try:
            client.form = check_payload(payload, self.limits.max_frame_bytes)
        except FrameError as exc:
            return reject(self.emit, client, exc, seq)
        source = self.graph.sources.get(client.source_name)
        if source is None or source.owner_sid != client.sid:
            return reject(self.emit, client, ClientError(
                f"source '{client.source_name}' moved to a newer connection of its publisher",
                code="source_taken"), seq)
        upload = Upload(payload, seq, bucket=client.bucket)
        upload.charge_received()
        self.publish(source, upload)
        return {"seq": seq}

    def publish(self, source: Source, upload: Upload) -> None:
        """File `upload` in the mailboxes of `source`'s renditions and wake a worker for each."""
        first = source.frames == 0
        for rendition in source.publish(upload):
            self.pool.submit(rendition)
        if first:
            self.announce()
