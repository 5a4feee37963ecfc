"""The directory seam across instances: two hubs in this process, each with a Cluster on one real
redis-server, sharing names, the list and frames exactly as through LocalDirectory on one."""

import pytest

from protocol import GONE, ClientError
from streaming.cluster import Cluster

from ..bridge_harness import wait_until
from ..cluster_harness import RedisServer
from .hub_parts import FRAME, Emitted, make_hub, thread_runtime

WAIT_S = 15


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@pytest.fixture
def pair(redis_url):
    """Two hubs, A and B, as two instances of one cluster."""
    hubs = []
    for port in (1, 2):
        runtime, emitted = thread_runtime(), Emitted()
        directory = Cluster(redis_url, port, runtime, emitted, lambda sid: 0, name_grace_s=30)
        hub = make_hub(directory, runtime=runtime, emitted=emitted)
        hubs.append(hub)
    yield hubs
    for hub in hubs:
        hub.stop()


def test_a_source_on_one_instance_is_listed_named_and_watched_on_the_other(pair):
    a, b = pair
    a.connect("cam", "porch", claim="c" * 24)
    assert a.receive("cam", FRAME) == {"seq": 1}
    wait_until(lambda: [e["name"] for e in b.list_sources()] == ["porch"], timeout=WAIT_S,
               what="B listing A's source")
    assert b.directory.name_prefix != a.directory.name_prefix  # generated names never clash
    with pytest.raises(ClientError) as taken:
        b.connect("impostor", "porch")
    assert taken.value.code == "source_taken" and "another instance" in taken.value.message
    b.connect("viewer")
    assert b.watch("viewer", "porch") == {"watching": "porch"}
    assert b.watched_elsewhere("viewer") == "porch"

    def relayed():
        a.receive("cam", FRAME)  # frames keep coming until B's request has reached A
        return not b.emitted.events[("viewer", "response_back")].empty()

    wait_until(relayed, timeout=WAIT_S, what="A's frame on B")
    jpeg, meta = b.emitted.next("viewer", "response_back")
    assert jpeg == FRAME and meta["source"] == "porch"
    wait_until(lambda: a.list_sources()[0]["viewers"] == 1, timeout=WAIT_S,
               what="B's viewer counted on A")
    a.disconnect("cam")
    status = b.emitted.next("viewer", "source_status", timeout=WAIT_S)
    assert status["source"] == "porch" and status["state"] == GONE
    viewer = b.clients["viewer"]
    # Told first, then moved, on B's relay thread: back to its own camera.
    wait_until(lambda: viewer.rendition is not None, timeout=WAIT_S, what="the viewer home")
    assert viewer.rendition.source.name == viewer.source_name
    assert b.watched_elsewhere("viewer") is None
