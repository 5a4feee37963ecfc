"""What the bridge puts on the wire: its name in the auth, binary frames, one at a time, its status."""

import queue

import pytest

from bridge.app import Bridge
from bridge.simulator import PushCameraSimulator, load_jpegs
from bridge.cameras import JpegFilesCamera, PushCamera

from ..bridge_harness import Received, Statuses, wait_until
from ..fake_socketio_server import FakeServer
from ..images import FACE_JPEG, face_jpeg
from ..server_process import free_port


@pytest.fixture
def started():
    """Start fake servers and bridges; stop them all after the test."""
    stops = []

    def start(thing):
        stops.insert(0, thing.stop)
        return thing.start() if isinstance(thing, Bridge) else thing

    yield start
    for stop in stops:
        stop()


def faces(fps=30):
    return JpegFilesCamera(FACE_JPEG, fps=fps)


def without_claims(auths):
    """The auth payloads with their claims left out; each claim must be a long random secret."""
    for auth in auths:
        assert len(auth.pop("claim")) >= 32
    return auths


def test_the_bridge_names_itself_in_the_socketio_auth(started):
    fake = started(FakeServer())
    started(Bridge(faces(), fake.url, "kitchen"))
    fake.images.get(timeout=20)
    assert without_claims(fake.auths) == [{"source": "kitchen"}]


def test_a_token_goes_along_with_the_name(started):
    fake = started(FakeServer())
    started(Bridge(faces(), fake.url, "porch", token="s3cret"))
    fake.images.get(timeout=20)
    assert without_claims(fake.auths) == [{"source": "porch", "token": "s3cret"}]


def test_the_bridge_keeps_its_claim_across_reconnects_and_makes_a_new_one_each_start(started):
    fake = started(FakeServer())
    first = started(Bridge(faces(), fake.url, "hall"))
    fake.images.get(timeout=20)
    for sid in list(fake._sids):
        fake.sio.disconnect(sid)
    wait_until(lambda: first.uplink.connects >= 2, what="a reconnect")
    other = started(Bridge(faces(), fake.url, "hall2"))
    wait_until(lambda: other.uplink.connects >= 1, what="the second bridge")
    claims = [auth["claim"] for auth in fake.auths]
    assert claims[0] == claims[1] != claims[2]


def test_frames_are_sent_as_the_camera_jpeg_bytes(started):
    fake = started(FakeServer())
    received = Received()
    started(Bridge(faces(), fake.url, "bytes", on_processed=received))
    assert fake.images.get(timeout=20) == face_jpeg()
    received.wait_for(1)
    _, payload, meta = received.items[0]
    assert payload == face_jpeg() and meta["seq"] == 1


def test_frames_in_flight_stay_within_the_start_window_until_the_server_answers(started):
    fake = started(FakeServer(answer=False))
    bridge = started(Bridge(faces(fps=30), fake.url, "paced", response_timeout_s=60))
    fake.images.get(timeout=20)
    wait_until(lambda: bridge.stats()["camera_frames"] >= 20, what="20 camera frames")
    # Acks alone do not open the window: until a processed frame comes back, two at most.
    assert fake.counts["image"] == 2  # the camera kept going; the bridge waited
    fake.release.set()
    fake.images.get(timeout=20)
    fake.images.get(timeout=20)
    assert 3 <= fake.counts["image"] <= 6 and bridge.stats()["dropped"] >= 15


def test_a_refused_frame_is_counted_and_the_next_one_sent(started):
    fake = started(FakeServer(refuse_first=True))
    bridge = started(Bridge(faces(), fake.url, "refused"))
    for _ in range(3):
        fake.images.get(timeout=20)
    assert bridge.stats()["refused"] == 1


def test_camera_status_is_sent_as_source_status(started):
    fake = started(FakeServer())
    source = PushCamera("ws://127.0.0.1:0/ws")
    statuses = Statuses()
    started(Bridge(source, fake.url, "door", stale_after_s=1.0, on_status=statuses))
    assert fake.statuses.get(timeout=20) == {
        "state": "stale", "message": "no frame from the camera yet (1 s)"}
    camera = PushCameraSimulator(f"ws://127.0.0.1:{source.address[1]}/ws", load_jpegs()).start()
    try:
        assert fake.statuses.get(timeout=20) == {"state": "live", "message": "frames arriving"}
    finally:
        camera.stop()
    assert [state for _, state, _ in statuses.items] == ["stale", "live"]
    with pytest.raises(queue.Empty):
        fake.statuses.get(timeout=0.5)  # reported once per change, not repeated


def test_a_bridge_started_before_its_server_connects_when_the_server_comes(started):
    port = free_port()
    received = Received()
    bridge = started(Bridge(faces(), f"http://127.0.0.1:{port}", "early", on_processed=received))
    wait_until(lambda: bridge.uplink.backoff._next > bridge.uplink.backoff.first, what="a failed attempt")
    fake = started(FakeServer(port=port))
    received.wait_for(1, timeout=30)
    assert without_claims(fake.auths) == [{"source": "early"}] and bridge.uplink.connects == 1
