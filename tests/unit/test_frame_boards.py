"""Frame boards (streaming/frame_board*.py): newest frame wins for HTTP viewers, one rendition per settings."""

import functools
import threading

import pytest

from pipeline import Settings
from protocol import ClientError
from streaming.frame_board import FrameBoard
from streaming.directory import LocalDirectory, attach_tap
from streaming.frame_boards import MAX_SNAPSHOTS, FrameBoards
from streaming.graph import SourceGraph
from streaming.source import Source


def attach_to(graph):
    """Return the hub's attach_tap for `graph` alone (one instance, no cluster)."""
    return functools.partial(attach_tap, graph, LocalDirectory())


@pytest.fixture
def graph():
    made = SourceGraph(emit=lambda *args, **kwargs: None)
    made.sources["cam"] = Source("cam", "owner", shared=True)
    made.sources["mine"] = Source("mine", "owner", shared=False)
    return made


def test_a_slow_viewer_gets_the_newest_frame_and_skips_the_rest(graph):
    board = FrameBoard("cam", Settings())
    for number in range(1, 101):
        board.deliver(f"frame {number}".encode(), {"seq": number})
    assert board.newer(0, timeout=0) == (100, b"frame 100")  # one frame held, never a queue
    assert board.newer(100, timeout=0.05) is None
    board.end("gone", "the source disconnected")
    assert board.newer(0, timeout=0) is None


def test_a_waiting_viewer_wakes_for_a_frame_and_for_the_end(graph):
    board = FrameBoard("cam", Settings())
    got = []
    waiter = threading.Thread(target=lambda: got.append(board.newer(0, timeout=10)))
    waiter.start()
    board.deliver(b"jpeg", {"seq": 1})
    waiter.join(5)
    assert got == [(1, b"jpeg")]
    waiter = threading.Thread(target=lambda: got.append(board.newer(1, timeout=10)))
    waiter.start()
    board.end("unshared", "its owner stopped sharing it")
    waiter.join(5)
    assert got[1] is None and not waiter.is_alive()


def test_viewers_with_the_same_settings_share_one_board_and_one_rendition(graph):
    boards = FrameBoards(attach_to(graph), max_streams=10)
    stages = Settings().updated({"view": "stages"})
    first, second = boards.join("cam", Settings()), boards.join("cam", Settings())
    other = boards.join("cam", stages)
    assert first is second and other is not first
    assert len(graph.sources["cam"].renditions) == 2
    assert graph.sources["cam"].describe()["players"] == 3
    for board in (first, second, other):
        boards.leave(board)
    assert graph.sources["cam"].renditions == {}


def test_missing_and_private_sources_give_no_board(graph):
    boards = FrameBoards(attach_to(graph), max_streams=10)
    assert boards.join("nobody", Settings()) is None
    assert boards.join("mine", Settings()) is None
    assert boards.streams == 0


def test_streams_and_snapshots_are_capped(graph):
    boards = FrameBoards(attach_to(graph), max_streams=2)
    held = [boards.join("cam", Settings()) for _ in range(2)]
    with pytest.raises(ClientError) as refused:
        boards.join("cam", Settings())
    assert refused.value.code == "too_many_viewers"
    snaps = [boards.join("cam", Settings(), stream=False) for _ in range(MAX_SNAPSHOTS)]
    with pytest.raises(ClientError):
        boards.join("cam", Settings(), stream=False)
    for board in held:
        boards.leave(board)
    for board in snaps:
        boards.leave(board, stream=False)
    assert (boards.streams, boards.snapshots) == (0, 0)


def test_a_source_that_leaves_ends_its_boards(graph):
    boards = FrameBoards(attach_to(graph), max_streams=10)
    board = boards.join("cam", Settings())
    with graph.lock:
        graph.close_source(graph.sources["cam"])
    assert board.ended == ("gone", "the source disconnected")
    boards.leave(board)
