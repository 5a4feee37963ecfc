"""The streaming core in-process: the token bucket, the mailbox, and the hub with its workers
running the real pipeline, without a network (the hub's `emit` is recorded)."""

import queue
import threading
import time

import pytest

from pipeline import Pipeline, PipelineConfig, find_landmark_model
from protocol import ClientError
from streaming.client import ClientLimits
from streaming.hub import SETTINGS_BURST, StreamHub
from streaming.mailbox import Mailbox
from streaming.rate_limit import TokenBucket
from streaming.runtime import Runtime

from ..images import face_jpeg
from .hub_parts import Emitted
from ..clock import Clock

STAGES_OFF = {"noise": False, "lips": False, "stamp": False}


def test_a_token_bucket_refills_at_its_rate_and_charges_big_frames_more():
    clock = Clock()
    bucket = TokenBucket(rate=2, capacity=2, clock=clock)
    assert bucket.take() and bucket.take() and not bucket.take()
    clock.now += 0.5
    assert bucket.take() and not bucket.take()
    bucket.charge(3)  # a frame that decoded to four tokens' worth of pixels: 3 in debt
    assert bucket.wait_s() == pytest.approx(1.0)  # capped: a reader is held at most 1 s
    clock.now += 1.5
    assert not bucket.take()  # still paying off the debt (3 - 3 = 0 < 1)
    clock.now += 0.5
    assert bucket.take()


def test_a_mailbox_keeps_the_newest_frame_and_schedules_its_owner_once():
    box = Mailbox()
    assert box.put("a") == (True, False)  # first frame: schedule a worker
    assert box.put("b") == (False, True)  # replaced "a"; the worker is already scheduled
    assert box.take() == "b" and box.take() is None
    assert box.finish() is False  # nothing waits: the owner is free
    box.put("c")
    box.clear()
    assert box.take() is None


@pytest.fixture(scope="module")
def pipeline():
    return Pipeline(PipelineConfig(str(find_landmark_model()), workers=2))


@pytest.fixture
def hub(pipeline):
    emitted = Emitted()
    runtime = Runtime(start_task=lambda fn, *args: threading.Thread(
        target=fn, args=args, daemon=True).start(), make_queue=queue.Queue, sleep=time.sleep)
    hub = StreamHub(pipeline, runtime, emitted, unsent_frames=lambda sid: 0,
                    kick=emitted.kicked.append, workers=2, stats_interval=60,
                    limits=ClientLimits(max_renditions=2))
    hub.emitted = emitted
    hub.start()
    yield hub
    hub.ticker.stop()
    hub.pool.stop()


def test_a_frame_goes_through_the_workers_and_back_to_its_sender(hub):
    hub.connect("a")
    hub.update_settings("a", STAGES_OFF)
    assert hub.receive("a", face_jpeg()) == {"seq": 1}
    jpeg, meta = hub.emitted.next("a", "response_back")
    assert meta["seq"] == 1 and meta["source"] == hub.clients["a"].source_name
    assert jpeg[:2] == b"\xff\xd8" and set(meta) >= {"seq", "ms", "source"}


def test_a_bad_frame_is_answered_with_its_seq_and_the_next_is_served(hub):
    hub.connect("a")
    hub.receive("a", b"\xff\xd8 not a jpeg")
    error = hub.emitted.next("a", "error")
    assert error["seq"] == 1 and error["code"] in ("not_an_image", "truncated_image")
    hub.receive("a", face_jpeg())
    assert hub.emitted.next("a", "response_back")[1]["seq"] == 2


def test_viewers_with_the_same_settings_share_one_rendition_and_the_cap_holds(hub):
    hub.connect("cam", "porch")
    hub.connect("v1")
    hub.connect("v2")
    hub.connect("v3")
    for sid in ("v1", "v2"):
        assert hub.watch(sid, {"source": "porch"}) == {"watching": "porch"}
    source = hub.sources["porch"]
    assert len(source.renditions) == 1  # the owner's and both viewers' settings are the same
    assert hub.update_settings("v1", {"jpeg_quality": 50})["settings"]["jpeg_quality"] == 50
    answer = hub.update_settings("v2", {"jpeg_quality": 40})  # a third rendition: over the cap
    assert answer["error"]["code"] == "too_many_renditions"
    assert answer["settings"]["jpeg_quality"] == 75 and len(source.renditions) == 2
    hub.receive("cam", face_jpeg())
    for sid in ("cam", "v1", "v2"):
        assert hub.emitted.next(sid, "response_back")[1]["source"] == "porch"
    hub.disconnect("v1")  # its rendition goes at once, so the other settings fit
    assert hub.update_settings("v2", {"jpeg_quality": 40})["settings"]["jpeg_quality"] == 40


def test_settings_changes_are_rate_limited_after_a_burst(hub):
    hub.connect("a")
    answers = [hub.update_settings("a", {"jpeg_quality": 50 + i}) for i in range(SETTINGS_BURST + 3)]
    refused = [a for a in answers if "error" in a]
    assert len(refused) >= 2 and all(a["error"]["code"] == "rate_limited" for a in refused)


def test_a_name_belongs_to_one_publisher(hub):
    hub.connect("a", "door", claim="c" * 20)
    with pytest.raises(ClientError) as taken:
        hub.connect("b", "door", claim="x" * 20)
    assert taken.value.code == "source_taken"
    hub.connect("c", "door", claim="c" * 20)  # the same publisher, reconnected
    assert hub.sources["door"].owner_sid == "c"


def test_sources_lists_are_coalesced(hub):
    hub.connect("cam", "yard")
    hub.receive("cam", face_jpeg())
    hub.emitted.next("cam", "response_back")
    hub.connect("watcher")
    before = hub.emitted.count(None, "sources")
    for _ in range(200):
        hub.watch("watcher", {"source": "yard"})
        hub.watch("watcher", None)
    time.sleep(0.7)  # the one list held back goes out within the gap
    sent = hub.emitted.count(None, "sources") - before
    assert 1 <= sent <= 3, sent
