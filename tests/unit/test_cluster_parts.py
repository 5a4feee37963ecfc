"""The cluster's parts against a real redis-server: names, the frame relay, the one-line outage log."""

import logging
import threading
import time

import pytest

from pipeline import Settings
from protocol import ClientError, GONE
from streaming.client import Client
from streaming.cluster.keys import frames_channel, settings_text
from streaming.cluster.link import RedisLink
from streaming.cluster.names import ClusterNames
from streaming.cluster.publisher import ChannelTap, Publisher
from streaming.cluster.relay import Relay

from ..bridge_harness import wait_until
from ..cluster_harness import RedisServer
from ..images import face_jpeg
from .hub_parts import Tap

CLAIM = "k" * 24


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def link(redis_server):
    return RedisLink(redis_server.url)


@pytest.fixture
def tasks():
    """Start functions on threads; each part's stop() lets them end, and they are joined."""
    threads, stops = [], []

    def start(fn):
        thread = threading.Thread(target=fn)
        threads.append(thread)
        thread.start()

    yield start, stops
    for stop in stops:
        stop()
    for thread in threads:
        thread.join(timeout=5)


def test_a_name_is_held_across_instances_and_won_back_by_its_claim(link):
    a, b = ClusterNames(link, "host:1:aa", grace_s=30), ClusterNames(link, "host:2:bb", grace_s=30)
    a.take("porch", "sid-a", CLAIM)
    for claim in ("x" * 24, None):
        with pytest.raises(ClientError) as refused:
            b.take("porch", "sid-b", claim)
        assert refused.value.code == "source_taken"
    b.take("porch", "sid-b2", CLAIM)  # the same publisher, moved to instance b
    assert a.refresh() == ["porch"]  # a learns it lost the name, and stops holding it
    assert b.refresh() == []
    b.release("porch", "sid-b2")  # a claimed name is kept for its claim a while
    with pytest.raises(ClientError):
        a.take("porch", "sid-c")
    a.take("porch", "sid-c", CLAIM)
    a.take("open", "sid-d")  # no claim: freed as soon as its holder leaves
    a.release("open", "sid-d")
    b.take("open", "sid-e")


def test_a_duplicate_refused_while_redis_pauses_leaves_the_holders_name_held(link, redis_server):
    import redis as redis_client

    a, b = ClusterNames(link, "host:1:aa", grace_s=30), ClusterNames(link, "host:2:bb", grace_s=30)
    a.take("porch", "sid-a", CLAIM)
    pauser = redis_client.Redis.from_url(redis_server.url)
    pauser.client_pause(2500)  # every other client's call times out after 1 s: Redis is "down"
    paused_until = time.monotonic() + 2.5
    try:
        a.take("porch", "sid-dup", "d" * 24)  # not refused by Redis now; this instance refuses it
        a.release("porch", "sid-dup")  # ... and its release must not drop sid-a's name
    finally:
        time.sleep(max(0.0, paused_until - time.monotonic()))  # the pause's own end
    assert a.refresh() == [] and a.held["porch"].split("|")[1] == "sid-a"
    with pytest.raises(ClientError):
        b.take("porch", "sid-impostor")


def test_frames_cross_redis_whole_and_the_newest_wins(link, tasks):
    start, stops = tasks
    tap, ends = Tap(), []
    relay = Relay(link, emit=None, unsent_frames=lambda sid: 0, start_task=start,
                  on_end=lambda *args: ends.append(args))
    view = relay.attach("yard", Settings(), tap)
    relay.start()
    stops.append(relay.stop)
    wait_until(lambda: link.redis.pubsub_numsub(view.channel)[0][1] == 1, timeout=10,
               what="the relay listening")
    publisher = Publisher(link, start)
    sender = ChannelTap(frames_channel("yard", settings_text(Settings())), publisher)
    jpeg = face_jpeg()
    for seq in (1, 2, 3):  # before the publisher runs: only the newest is kept
        sender.deliver(jpeg, {"seq": seq, "ms": 8.5, "source": "yard"})
    assert sender.dropped == 2
    publisher.start()
    stops.append(publisher.stop)
    wait_until(lambda: tap.frames, timeout=10, what="a frame through Redis")
    assert tap.frames == [(jpeg, {"seq": 3, "ms": 8.5, "source": "yard"})]
    sender.end(GONE, "the source disconnected")
    wait_until(lambda: tap.ended, timeout=10, what="the end")
    assert tap.ended == [(GONE, "the source disconnected")]
    assert ends == [("yard", [], GONE, "the source disconnected")]
    assert relay.views == {}  # nothing left to listen to
    assert link.redis.info("memory")["used_memory"] < 4 * 2**20  # pub/sub keeps no frames


def test_a_slow_viewer_is_skipped_and_the_others_get_the_frame(link, tasks):
    start, stops = tasks
    sent = []
    slow, fast = Client("slow", "camera-1"), Client("fast", "camera-2")
    relay = Relay(link, emit=lambda event, data, to: sent.append((event, to)),
                  unsent_frames=lambda sid: 5 if sid == "slow" else 0, start_task=start,
                  on_end=lambda *args: None)
    relay.watch(slow, "gate")
    relay.watch(fast, "gate")
    assert relay.counts() == {"gate": 2}
    relay.start()
    stops.append(relay.stop)
    channel = frames_channel("gate", settings_text(Settings()))
    wait_until(lambda: link.redis.pubsub_numsub(channel)[0][1] == 1, timeout=10, what="listening")
    publisher = Publisher(link, start)
    publisher.start()
    stops.append(publisher.stop)
    ChannelTap(channel, publisher).deliver(face_jpeg(), {"seq": 1, "ms": 9.0, "source": "gate"})
    wait_until(lambda: sent, timeout=10, what="a frame relayed")
    assert sent == [("response_back", "fast")]
    assert slow.stats.dropped == 1 and fast.stats.processed == 1
    assert relay.unwatch(slow) == "gate" and relay.counts() == {"gate": 1}


def test_redis_going_and_coming_back_is_logged_once_each_way(redis_server, caplog):
    link = RedisLink(redis_server.url)
    caplog.set_level(logging.INFO, logger="streaming.cluster.link")
    link.ok()
    for _ in range(5):
        link.failed(ConnectionError("refused"))
    for _ in range(5):
        link.ok()
    lines = [r.getMessage() for r in caplog.records]
    assert sum("is unreachable" in line for line in lines) == 1
    assert sum("is back" in line for line in lines) == 1
    assert all(redis_server.url in line for line in lines)


def test_a_password_in_the_redis_url_is_never_logged(caplog):
    link = RedisLink("redis://:hunter2-secret@127.0.0.1:1/0")
    caplog.set_level(logging.INFO, logger="streaming.cluster.link")
    with pytest.raises(link.down_errors) as failure:
        link.redis.ping()
    link.failed(failure.value)
    assert "is unreachable" in caplog.text and "hunter2" not in caplog.text
