"""The viewer's side: this instance's viewers of sources held by other instances.

Viewers of one source with the same settings share a view, and a view listens on one
frames channel. Each frame that arrives goes to every viewer that keeps up; a viewer with a
frame still unsent is skipped, so the newest frame wins here as on the source's instance
(the same Delivery as a worker's, delivery.py).
"""

import logging
import threading
from typing import Callable

from pipeline import Settings

from ..client import Client
from ..delivery import Delivery
from ..tap import Tap
from .keys import POKE_CHANNEL, frames_channel, read_message, settings_text
from .link import RedisLink

log = logging.getLogger(__name__)

POLL_S = 0.2  # how soon a new view starts listening


class View:
    """One remote source with one set of settings, and the local viewers who watch it."""

    def __init__(self, name: str, text: str):
        self.name = name
        self.settings_text = text
        self.channel = frames_channel(name, text)
        self.viewers: dict[str, Client] = {}
        self.taps: set[Tap] = set()  # non-client consumers here
        self.frames = 0


class Relay:
    """Listens on the frames channels this instance's viewers need and hands frames out."""

    def __init__(self, link: RedisLink, emit: Callable[..., object], unsent_frames: Callable[[str], int],
                 start_task: Callable[..., object],
                 on_end: Callable[[str, list[Client], str, str], None],
                 on_poke: Callable[[], None] = lambda: None):
        self.link = link
        self.delivery = Delivery(emit, unsent_frames)
        self.start_task = start_task
        self.on_end = on_end
        self.on_poke = on_poke  # another instance changed what it asks for
        self.views = {}  # channel -> View
        self._by_sid = {}  # sid -> View
        self._lock = threading.Lock()
        self._running = False

    def start(self) -> None:
        """Start listening."""
        self._running = True
        self.start_task(self._run)

    def stop(self) -> None:
        """Let the listening thread exit."""
        self._running = False

    def watch(self, client: Client, name: str) -> None:
        """Make `client` a viewer of remote source `name`, with its own settings."""
        text = settings_text(client.settings)
        with self._lock:
            self._leave(client.sid)
            view = self.views.get(frames_channel(name, text))
            if view is None:
                view = View(name, text)
                self.views[view.channel] = view
            view.viewers[client.sid] = client
            self._by_sid[client.sid] = view

    def unwatch(self, client: Client) -> str | None:
        """Take `client` off any remote source; return the name it watched, or None."""
        with self._lock:
            view = self._leave(client.sid)
        return view.name if view is not None else None

    def watching(self, sid: str) -> str | None:
        """Return the remote source `sid` watches, or None."""
        view = self._by_sid.get(sid)
        return view.name if view is not None else None

    def attach(self, name: str, settings: Settings, tap: Tap) -> View:
        """Feed `tap` the frames of remote source `name` processed with `settings`; return its view."""
        text = settings_text(settings)
        with self._lock:
            view = self.views.get(frames_channel(name, text))
            if view is None:
                view = self.views[frames_channel(name, text)] = View(name, text)
            view.taps.add(tap)
        return view

    def detach(self, tap: Tap, view: View) -> None:
        """Stop feeding `tap`; the view goes once nothing watches it."""
        with self._lock:
            view.taps.discard(tap)
            self._drop_if_unused(view)

    def take_viewers(self, name: str) -> list[Client]:
        """Remove and return every viewer of remote source `name` (it left, or came here)."""
        with self._lock:
            viewers = [c for v in list(self.views.values()) if v.name == name
                       for c in list(v.viewers.values())]
            for client in viewers:
                self._leave(client.sid)
        return viewers

    def end_taps(self, name: str, state: str, message: str) -> None:
        """End every tap on remote source `name`: it left, or moved (its consumers ask again)."""
        with self._lock:
            taps = [t for v in list(self.views.values()) if v.name == name for t in v.taps]
            for view in [v for v in list(self.views.values()) if v.name == name]:
                view.taps.clear()
                self._drop_if_unused(view)
        for tap in taps:
            tap.end(state, message)

    def counts(self, players: bool = False) -> dict[str, int]:
        """Return {source name: viewers here}, or its MJPEG `players` here (as Source.describe)."""
        with self._lock:
            found = {}
            for view in self.views.values():
                count = (sum(getattr(t, "viewers", 0) for t in view.taps) if players
                         else len(view.viewers))
                found[view.name] = found.get(view.name, 0) + count
            return found

    def wanted(self) -> list[tuple[str, str]]:
        """Return [(source name, settings text)] this instance needs frames of."""
        with self._lock:
            return [(v.name, v.settings_text) for v in self.views.values()]

    def _leave(self, sid):
        view = self._by_sid.pop(sid, None)
        if view is not None:
            view.viewers.pop(sid, None)
            self._drop_if_unused(view)
        return view

    def _drop_if_unused(self, view):
        if not view.viewers and not view.taps and self.views.get(view.channel) is view:
            del self.views[view.channel]

    # The listening thread -------------------------------------------------------------

    def _run(self):
        pubsub, listening = None, set()
        while self._running:
            try:
                if pubsub is None:
                    pubsub, listening = self.link.pubsub(), set()
                listening = self._follow(pubsub, listening)
                message = pubsub.get_message(timeout=POLL_S)
                if message is None or message.get("type") != "message":
                    continue
                channel = message["channel"].decode()
                if channel == POKE_CHANNEL:
                    self.on_poke()
                else:
                    self._hand_out(channel, message["data"])
            except self.link.down_errors as exc:
                self.link.failed(exc)
                pubsub = self._close(pubsub)
                threading.Event().wait(1.0)
        self._close(pubsub)

    def _follow(self, pubsub, listening):
        with self._lock:
            wanted = {POKE_CHANNEL, *self.views}
        if wanted - listening:
            pubsub.subscribe(*(wanted - listening))
        if listening - wanted:
            pubsub.unsubscribe(*(listening - wanted))
        return wanted

    @staticmethod
    def _close(pubsub):
        if pubsub is not None:
            try:
                pubsub.close()
            except OSError:  # closing a connection that already broke
                pass
        return None

    def _hand_out(self, channel, data):
        decoded = read_message(data)
        with self._lock:
            view = self.views.get(channel)
            viewers = list(view.viewers.values()) if view is not None else []
            taps = list(view.taps) if view is not None else []
        if view is None or decoded is None:
            return
        kind, first, second = decoded
        if kind == "end":
            self.end_taps(view.name, first, second)
            self.on_end(view.name, self.take_viewers(view.name), first, second)
            return
        jpeg, meta = first, second
        view.frames += 1
        self.delivery.deliver(viewers, taps, jpeg, meta, {"total": meta.get("ms", 0.0)})
