"""The bench's seed-style reference queues every frame; the server itself never knows of it."""

import streaming.source
from bench import seed_style
from pipeline import Settings
from streaming.mailbox import Mailbox
from streaming.source import Rendition, Source


def test_the_reference_server_queues_every_frame_where_ours_keeps_the_newest(monkeypatch):
    made = []
    monkeypatch.setattr(streaming.source, "Mailbox", Mailbox)  # put back after the test
    monkeypatch.setattr(seed_style, "main", lambda argv, config: made.append(
        (config, Rendition(Source("porch", "sid"), Settings()).mailbox)) or 0)
    assert seed_style.run([]) == 0
    config, box = made[0]
    assert config["in_process"] and config["redetect_every"] == 1
    assert [box.put(n) for n in (1, 2, 3)] == [(True, False), (False, False), (False, False)]
    assert [box.take(), box.take(), box.take(), box.take()] == [1, 2, 3, None]
    assert box.finish() is False
    box.put(4)
    box.clear()
    assert box.take() is None
    monkeypatch.undo()
    assert isinstance(Rendition(Source("porch", "sid"), Settings()).mailbox, Mailbox)
