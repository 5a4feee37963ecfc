"""Delivery to viewers (streaming/delivery.py), the one path for frames processed here and relayed."""

from protocol import BYTES, DATA_URL
from streaming.client import Client
from streaming.delivery import MAX_UNSENT_FRAMES, Delivery

from .hub_parts import FRAME, make_hub


class Tap:
    def __init__(self):
        self.frames = []

    def deliver(self, jpeg, meta):
        self.frames.append((jpeg, meta))

    def end(self, state, message):
        pass


def test_a_slow_viewer_is_skipped_and_counted_the_others_get_the_frame_in_their_form():
    sent = []
    unsent = {"slow": MAX_UNSENT_FRAMES + 1, "edge": MAX_UNSENT_FRAMES}
    delivery = Delivery(lambda event, data, to: sent.append((event, data, to)),
                        lambda sid: unsent.get(sid, 0))
    slow, edge = Client("slow", "camera-1"), Client("edge", "camera-2")
    page = Client("page", "camera-3", form=DATA_URL)
    tap = Tap()
    meta = {"seq": 7, "ms": 3.5, "source": "porch"}
    delivery.deliver([slow, edge, page], [tap], FRAME, meta, {"total": 3.5})
    assert [to for _, _, to in sent] == ["edge", "page"]  # one frame of slack is not slow
    assert sent[0] == ("response_back", (FRAME, meta), "edge")
    assert sent[1][1][0].startswith("data:image/jpeg;base64,")
    assert slow.stats.dropped == 1 and slow.stats.processed == 0
    assert edge.stats.processed == 1 and edge.form == BYTES
    assert tap.frames == [(FRAME, meta)]  # a tap keeps its own newest frame (frame_board.py)


def test_the_hub_skips_a_slow_viewer_and_serves_the_one_that_keeps_up():
    hub = make_hub(unsent_frames=lambda sid: 5 if sid == "slow" else 0)
    try:
        hub.connect("cam", "porch")
        for sid in ("slow", "fast"):
            hub.connect(sid)
            hub.watch(sid, "porch")
        hub.receive("cam", FRAME)
        assert hub.emitted.next("fast", "response_back")[1]["seq"] == 1
        hub.emitted.next("cam", "response_back")
        assert hub.emitted.drain("slow", "response_back") == []
        assert hub.clients["slow"].stats.dropped == 1
    finally:
        hub.stop()
