"""The owner's side: taps that send a source's processed frames to other instances' viewers.

A tap keeps only the newest frame; one thread publishes what the taps hold. So a slow or
unreachable Redis costs dropped frames, never a worker's time, and Redis holds nothing:
pub/sub keeps no messages, it only passes them on to whoever listens right now.
"""

import logging
import threading
from typing import Callable

from .keys import end_message, frame_message
from .link import RedisLink

log = logging.getLogger(__name__)


class ChannelTap:
    """A rendition's frames for one frames channel (graph.py's tap interface)."""

    def __init__(self, channel: str, publisher: "Publisher"):
        self.channel = channel
        self.publisher = publisher
        self.pending = None  # the newest encoded message not yet published
        self.published = 0
        self.dropped = 0  # frames replaced before they could be published
        self.ended = False

    def deliver(self, jpeg: bytes, meta: dict) -> None:
        """Keep the newest frame for the publisher (called on a worker thread; never blocks)."""
        self.publisher.offer(self, frame_message(jpeg, meta))

    def end(self, state: str, message: str) -> None:
        """Tell the viewers elsewhere that the source is gone or private."""
        self.ended = True
        self.publisher.offer(self, end_message(state, message))


class Publisher:
    """One thread that publishes each tap's newest message."""

    def __init__(self, link: RedisLink, start_task: Callable[..., object]):
        self.link = link
        self.start_task = start_task
        self.bytes = 0  # published so far, for the bench
        self.messages = 0
        self._cond = threading.Condition()
        self._waiting = {}  # tap -> message, newest wins
        self._running = False

    def start(self) -> None:
        """Start the publishing thread."""
        self._running = True
        self.start_task(self._run)

    def stop(self) -> None:
        """Let the thread exit."""
        with self._cond:
            self._running = False
            self._cond.notify()

    def offer(self, tap: ChannelTap, message: bytes) -> None:
        """File `message` as `tap`'s newest; a message not yet published is dropped."""
        with self._cond:
            if self._waiting.get(tap) is not None:
                tap.dropped += 1
            self._waiting[tap] = message
            self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._waiting or not self._running, timeout=1.0)
                if not self._running:
                    return
                batch, self._waiting = self._waiting, {}
            if batch:
                self._publish(batch)

    def _publish(self, batch):
        try:
            with self.link.redis.pipeline(transaction=False) as pipe:
                for tap, message in batch.items():
                    pipe.publish(tap.channel, message)
                pipe.execute()
        except self.link.down_errors as exc:
            self.link.failed(exc)
            return
        for tap, message in batch.items():
            tap.published += 1
            self.bytes += len(message)
        self.messages += len(batch)
