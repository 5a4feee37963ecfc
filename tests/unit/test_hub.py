"""The hub's public API in-process: clients, sources without a client, taps, and what the
directory (streaming/directory.py) is asked; frames come back through an echo pipeline."""

import pytest

from pipeline import Settings
from protocol import GONE, UNSHARED, ClientError
from streaming.client import Upload
from streaming.directory import LocalDirectory

from ..bridge_harness import wait_until
from .hub_parts import FRAME, Tap, make_hub


@pytest.fixture
def hub():
    made = make_hub()
    yield made
    made.stop()


class Elsewhere(LocalDirectory):
    """A directory that lists one source on another instance and notes what it is asked."""

    name_prefix = "camera-b7"

    def __init__(self):
        self.asked = []
        self.viewers = {}

    def take_name(self, name, sid, claim=None):
        self.asked.append(("take", name, sid))

    def release_name(self, name, sid):
        self.asked.append(("release", name, sid))

    def lists(self, name):
        return name == "far"

    def watch(self, client, name):
        self.viewers[client.sid] = name

    def unwatch(self, client):
        self.viewers.pop(client.sid, None)

    def watching(self, sid):
        return self.viewers.get(sid)

    def left(self, client):
        self.asked.append(("left", client.source_name, client.sid))

    def merged(self, entries):
        return entries + [{"name": "far", "viewers": len(self.viewers)}]


def test_a_viewer_of_a_shared_source_gets_its_frames_until_it_is_unshared(hub):
    hub.connect("cam", "porch")
    hub.connect("viewer")
    assert hub.watch("viewer", {"source": "porch"}) == {"watching": "porch"}
    assert hub.receive("cam", FRAME) == {"seq": 1}
    assert hub.emitted.next("viewer", "response_back") == (FRAME, {"seq": 1, "ms": 1.0,
                                                                    "source": "porch"})
    assert [entry["name"] for entry in hub.list_sources()] == ["porch"]
    assert hub.share("cam", {"shared": False}) == {"shared": False, "viewers": 0}
    assert hub.emitted.next("viewer", "source_status")["state"] == UNSHARED
    assert hub.clients["viewer"].rendition.source.name == hub.clients["viewer"].source_name
    assert hub.list_sources() == []


def test_a_source_without_a_client_holds_its_name_until_closed(hub):
    source = hub.open_source("gate", "server-camera:gate")
    with pytest.raises(ClientError) as taken:
        hub.connect("impostor", "gate")
    assert taken.value.code == "source_taken"
    hub.connect("viewer")
    hub.watch("viewer", "gate")
    hub.publish(source, Upload(FRAME, 1))
    assert hub.emitted.next("viewer", "response_back")[1]["source"] == "gate"
    hub.close_source("gate", "server-camera:gate")
    assert hub.emitted.next("viewer", "source_status")["state"] == GONE
    hub.connect("owner", "gate")  # free again
    assert hub.sources["gate"].owner_sid == "owner"


def test_a_tap_is_fed_here_and_let_go_by_its_handle(hub):
    hub.connect("cam", "yard")
    tap = Tap()
    assert hub.attach_tap("nowhere", Settings(), tap) is None
    handle = hub.attach_tap("yard", Settings(), tap)
    hub.receive("cam", FRAME)
    wait_until(lambda: tap.frames, timeout=5, what="the tap's frame")
    assert tap.frames == [(FRAME, {"seq": 1, "ms": 1.0, "source": "yard"})]
    assert hub.local_sources()[0]["name"] == "yard" and hub.offered_names() == ["yard"]
    handle.detach()
    assert len(hub.sources["yard"].renditions) == 1  # the owner's own, no longer the tap's


def test_what_the_cluster_reads_and_changes_goes_through_public_methods(hub):
    hub.connect("cam", "porch", claim="c" * 20)
    hub.connect("private")  # a generated name: not shared, so not offered
    assert hub.has_source("porch") and not hub.has_source(hub.clients["private"].source_name)
    tap = Tap()
    assert hub.attach_here(hub.clients["private"].source_name, Settings(), tap) is None
    assert hub.attach_here("porch", Settings(), tap) is not None
    hub.lose_source("porch")  # its name is held on another instance now
    assert tap.ended == [(GONE, "the source disconnected")]
    refused = hub.receive("cam", FRAME)
    assert refused["error"]["code"] == "source_taken" and refused["error"]["seq"] == 1


def test_viewers_of_a_source_elsewhere_go_home_or_to_it_here():
    hub = make_hub(Elsewhere())
    try:
        for sid in ("v1", "v2", "gone"):
            hub.connect(sid)
            hub.watch(sid, "far")  # on another instance: no rendition here
        viewers = [hub.clients[sid] for sid in ("v1", "v2", "gone")]
        hub.disconnect("gone")
        hub.place_viewers("far", viewers, GONE, "the source disconnected")
        for sid in ("v1", "v2"):
            assert hub.emitted.next(sid, "source_status") == {
                "source": "far", "state": GONE, "message": "the source disconnected"}
            assert hub.clients[sid].rendition.source.name == hub.clients[sid].source_name
        assert hub.emitted.drain("gone", "source_status") == []  # a viewer gone stays gone
        hub.watch("v1", "far")
        hub.connect("cam", "far")  # its publisher reconnected here
        hub.place_viewers("far", [hub.clients["v1"]], GONE, "the source disconnected")
        assert hub.clients["v1"].rendition.source.name == "far"
        assert hub.emitted.drain("v1", "source_status") == []  # watched here without a break
    finally:
        hub.stop()


def test_the_hub_asks_its_directory_and_never_which_one_it_is():
    directory = Elsewhere()
    hub = make_hub(directory)
    try:
        client = hub.connect("viewer")
        assert client.source_name == "camera-b7-1"
        assert directory.asked == [("take", "camera-b7-1", "viewer")]
        assert hub.watch("viewer", {"source": "far"}) == {"watching": "far"}
        assert hub.clients["viewer"].rendition is None and directory.watching("viewer") == "far"
        assert hub.watched_elsewhere("viewer") == "far"
        hub.update_settings("viewer", {"jpeg_quality": 50})  # asks elsewhere with new settings
        assert directory.viewers == {"viewer": "far"}
        assert hub.list_sources() == [{"name": "far", "viewers": 1}]
        hub.watch("viewer", None)  # back to its own: no longer watching elsewhere
        assert directory.viewers == {}
        hub.disconnect("viewer")
        assert directory.asked[-1] == ("left", "camera-b7-1", "viewer")
        with pytest.raises(ClientError):
            hub.connect("x", "bad name!")
        assert ("take", "bad name!", "x") not in directory.asked
    finally:
        hub.stop()
