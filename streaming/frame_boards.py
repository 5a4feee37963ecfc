"""HTTP viewers' frame boards: one per (source, settings), shared by all who watch it that way."""

import threading
from typing import Callable

from pipeline import Settings

from protocol import ClientError

from .frame_board import FrameBoard
from .tap import Tap, TapHandle

# Snapshots waiting for a frame at once: each holds a server thread for up to a couple of seconds.
MAX_SNAPSHOTS = 8


class FrameBoards:
    """Attaches a board to a source's frames for its first viewer and detaches it after its last.

    `max_streams` caps the open streams: each holds a server thread while it plays.
    """

    def __init__(self, attach: Callable[[str, Settings, Tap], TapHandle | None], max_streams: int,
                 sleep: Callable[[float], None] | None = None,
                 on_change: Callable[[], None] | None = None):
        # hub.attach_tap (directory.py): a source here or on another instance, one code path.
        self.attach = attach
        self.max_streams = max_streams
        self.streams = 0
        self.snapshots = 0
        self.sleep = sleep  # eventlet's, in eventlet mode (see FrameBoard)
        # Called after a stream starts or ends, so the sources list (and an owner) sees it.
        self.on_change = on_change or (lambda: None)
        self._boards = {}  # (name, Settings) -> FrameBoard
        self._lock = threading.Lock()  # taken before the graph's lock, never inside it

    def join(self, name: str, settings: Settings, stream: bool = True) -> FrameBoard | None:
        """Return the board of `name` with `settings`, or None if it is missing or private.

        Raise ClientError `too_many_viewers` when every stream (or snapshot) slot is taken.
        """
        with self._lock:
            if stream and self.streams >= self.max_streams:
                raise ClientError(f"{self.streams} video streams are playing, the most this server "
                                  f"serves at once; try again later", code="too_many_viewers")
            if not stream and self.snapshots >= MAX_SNAPSHOTS:
                raise ClientError(f"{self.snapshots} snapshots are waiting for frames, the most "
                                  f"this server takes at once; try again later",
                                  code="too_many_viewers")
            board = self._boards.get((name, settings))
            if board is None or board.ended is not None:
                board = FrameBoard(name, settings, self.sleep)
                board.handle = self.attach(name, settings, board)
                if board.handle is None:
                    return None
                self._boards[(name, settings)] = board
            board.viewers += 1
            self._count(stream, 1)
        if stream:
            self.on_change()
        return board

    def leave(self, board: FrameBoard, stream: bool = True) -> None:
        """Take one viewer off `board`; detach it from its rendition after the last."""
        with self._lock:
            board.viewers -= 1
            self._count(stream, -1)
            last = board.viewers == 0
            if last and self._boards.get((board.name, board.settings)) is board:
                del self._boards[(board.name, board.settings)]
        if last:
            board.handle.detach()
        if stream:
            self.on_change()

    def _count(self, stream, change):
        if stream:
            self.streams += change
        else:
            self.snapshots += change

    def end_all(self, message: str) -> None:
        """End every board's streams (the server is stopping)."""
        with self._lock:
            boards = list(self._boards.values())
        for board in boards:
            board.end("gone", message)
