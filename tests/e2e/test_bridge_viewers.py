"""A bridged camera seen by real Socket.IO viewers, and the server's token and limits holding for bridges."""

import pytest

from ..bridge_harness import Rig, assert_recoloured_face, unique_name, wait_until
from ..server_process import ServerProcess
from ..socket_client import RecordingClient

TOKEN = "bridge-test-token-5d1c"


@pytest.fixture
def rig(server):
    made = Rig(server.url)
    yield made
    made.close()


def test_viewers_watch_a_bridged_camera_with_recoloured_lips(rig, connect):
    name = unique_name("kitchen")
    _, _, received, _ = rig.camera("arduino", name=name)
    received.wait_for(1)
    viewers = [connect() for _ in range(2)]
    for viewer in viewers:
        viewer.next("settings")
        assert name in [s["name"] for s in viewer.sio.call("list_sources", timeout=10)]
        assert viewer.sio.call("watch", {"source": name}, timeout=10) == {"watching": name}
    for viewer in viewers:
        frame, meta = viewer.next("response_back", timeout=30)
        assert meta["source"] == name
        assert_recoloured_face(frame)


@pytest.fixture(scope="module")
def locked(artifacts):
    """A server marked public with a known token and a 5 FPS cap per client."""
    server = ServerProcess(artifacts, "--public", "--max-fps", "5",
                           env={"ACCESS_TOKEN": TOKEN}).wait_ready()
    yield server
    server.stop()


@pytest.fixture
def locked_rig(locked):
    made = Rig(locked.url)
    yield made
    made.close()


def test_a_bridge_without_the_token_is_refused_and_with_it_is_served(locked_rig, locked):
    mark = locked.log_mark()
    _, refused, received_refused, _ = locked_rig.camera("arduino")
    wait_until(lambda: refused.uplink.refusal is not None, what="the bridge's refusal")
    assert refused.uplink.connects == 0 and not received_refused.items
    assert "unauthorized" in locked.log(since=mark)
    _, _, received, _ = locked_rig.camera("arduino", token=TOKEN)
    assert_recoloured_face(received.wait_for(1)[0])


def test_a_bridge_is_held_to_the_fps_cap_and_keeps_flowing(locked_rig):
    _, bridge, received, _ = locked_rig.camera("arduino", fps=20, token=TOKEN)
    wait_until(lambda: bridge.stats()["refused"] > 0, timeout=30, what="a frame over the cap")
    before = len(received.items)
    # Refused frames do not stop the stream.
    wait_until(lambda: len(received.items) > before, what="frames after a refused one")


def test_a_viewer_without_the_token_cannot_watch_a_bridged_camera(locked):
    with pytest.raises(Exception):
        RecordingClient(locked.url)
