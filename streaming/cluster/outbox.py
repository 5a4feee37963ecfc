"""The owner's side of requests for frames: one tap per (source, settings) other instances want."""

import json
import logging

from typing import TYPE_CHECKING

from redis import Redis

from pipeline import Settings
from protocol import ClientError, SettingsError

from .keys import frames_channel, subscriptions_key
from .publisher import ChannelTap, Publisher

if TYPE_CHECKING:
    from ..hub import StreamHub

log = logging.getLogger(__name__)

MAX_REFUSED_LOGGED = 64  # bad requests logged once each; a flood of them logs no more


class Outbox:
    """Keeps a tap on each rendition that viewers on other instances ask for, and no others."""

    def __init__(self, hub: "StreamHub", publisher: Publisher):
        self.hub = hub  # read and changed through its public API only
        self.publisher = publisher
        self.taps = {}  # (name, settings text) -> (ChannelTap, TapHandle)
        self._refused = set()

    def serve(self, redis: Redis, now_ms: int) -> None:
        """Read the live requests for this instance's sources; attach and detach taps to match."""
        names = self.hub.offered_names()
        with redis.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.zremrangebyscore(subscriptions_key(name), "-inf", now_ms)
                pipe.zrange(subscriptions_key(name), 0, -1)
            answers = pipe.execute()[1::2]
        wanted = {(name, member.decode().split("|", 1)[1])
                  for name, members in zip(names, answers) for member in members}
        for key, (tap, handle) in list(self.taps.items()):
            if tap.ended or key not in wanted:
                del self.taps[key]
                if not tap.ended:
                    handle.detach()
        for name, text in wanted - set(self.taps):
            self._attach(name, text)

    def _log_refused(self, name, text, exc):
        if len(self._refused) < MAX_REFUSED_LOGGED and (name, text) not in self._refused:
            self._refused.add((name, text))
            log.warning("source %s: ignored a request for frames: %.200s", name, exc)

    def _attach(self, name, text):
        try:
            settings = Settings().updated(json.loads(text))
        except (SettingsError, ValueError) as exc:
            self._log_refused(name, text, exc)
            return
        tap = ChannelTap(frames_channel(name, text), self.publisher)
        try:
            handle = self.hub.attach_here(name, settings, tap)
        except ClientError as exc:  # the source is processed in as many ways as it may be
            self._log_refused(name, text, exc)
            return
        if handle is not None:
            self.taps[(name, text)] = (tap, handle)
