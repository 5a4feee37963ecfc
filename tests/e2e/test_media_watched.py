"""Record on a page records the source the page shows: its own camera, or the one it watches,
here or on another instance, never silently another."""

import types

import pytest

from media import MediaError
from web.media import watched

from ..bridge_harness import WAIT_S, unique_name, wait_until
from ..cluster_harness import RedisServer, instance
from ..media_helpers import Publisher
from ..socket_client import RecordingClient

TOKEN = "media-watched-token"
OWNER_KEY = "media-watched-owner-key-01"


class PageClient(RecordingClient):
    """A page's connection: it also hears when its recording has finished."""

    EVENTS = (*RecordingClient.EVENTS, "recording")


def fake_hub(rendition=None, remote=None):
    client = types.SimpleNamespace(rendition=rendition, settings="its settings")
    return types.SimpleNamespace(clients={"sid": client}, watched_elsewhere=lambda sid: remote)


def rendition_of(name, shared):
    return types.SimpleNamespace(source=types.SimpleNamespace(name=name, shared=shared))


def test_what_a_page_shows_is_what_it_records():
    assert watched(fake_hub(rendition_of("camera-3", False)), "sid") == ("camera-3", "its settings", True)
    assert watched(fake_hub(rendition_of("porch", True)), "sid") == ("porch", "its settings", False)
    assert watched(fake_hub(remote="far-cam"), "sid") == ("far-cam", "its settings", False)
    with pytest.raises(MediaError) as refused:
        watched(fake_hub(), "sid")  # between sources: refused, not its own camera instead
    assert refused.value.code == "nothing_shown"
    with pytest.raises(MediaError):
        watched(fake_hub(), "another sid")


@pytest.fixture(scope="module")
def pair(artifacts, tmp_path_factory):
    """Redis and two instances sharing it."""
    redis = RedisServer(tmp_path_factory.mktemp("media-watched")).start()
    a, b = instance(artifacts, redis.url, TOKEN), instance(artifacts, redis.url, TOKEN)
    try:
        a.wait_ready(), b.wait_ready()
        yield a, b
    finally:
        for part in (a, b, redis):
            part.stop()


def test_record_on_a_page_watching_another_instances_source_records_that_source(pair):
    a, b = pair
    name = unique_name("on-a")
    with Publisher(a.url, name, fps=10, auth_token=TOKEN):
        page = PageClient(b.url, auth={"token": TOKEN})  # its own private camera, on B
        try:
            page.next("settings")
            wait_until(lambda: page.sio.call("watch", {"source": name}, timeout=10) == {"watching": name},
                       timeout=WAIT_S, what=f"B lets the page watch {name}")
            page.next("response_back", timeout=WAIT_S)  # A's frames reach it through Redis
            entry = page.sio.call("record", {"action": "start", "owner": OWNER_KEY}, timeout=10)
            assert entry.get("source") == name and not entry["private"], entry
            wait_until(lambda: page.sio.call("record", {"action": "status"}, timeout=10)["frames"] >= 5,
                       timeout=WAIT_S, what="frames of A's source recorded on B")
            page.sio.call("record", {"action": "stop"}, timeout=10)
            finished = page.next("recording", timeout=WAIT_S)
        finally:
            page.close()
    assert (finished["source"], finished["status"], finished["maker"]) == (name, "ok", "you"), finished
    assert finished["frames"] >= 5
