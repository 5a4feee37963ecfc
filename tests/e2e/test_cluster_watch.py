"""Watching from anything across instances: MJPEG, snapshots, the wall and `--camera` sources.

Two instances share one real redis-server; viewers go to the instance that does not hold
the source, so every frame they get crossed Redis.
"""

import json
import threading

import pytest

from bridge.simulator import MjpegCameraSimulator, load_jpegs

from ..bridge_harness import WAIT_S, assert_recoloured_face, unique_name, wait_until
from ..cluster_harness import RedisServer, instance
from ..images import face_jpeg
from ..socket_client import RecordingClient
from ..media_helpers import call
from ..watch_harness import MjpegViewer, get, mjpeg_frame

TOKEN = "cluster-watch-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CAMERA = "porch"
SEND_EVERY_S = 0.1
MAX_SENT = 1200  # a publisher's frames, at most: two minutes at 10 a second


@pytest.fixture(scope="module")
def pair(artifacts, tmp_path_factory):
    """Redis, instance A pulling a simulated ESP32 as `--camera porch`, and instance B."""
    redis = RedisServer(tmp_path_factory.mktemp("cluster-watch")).start()
    esp32 = MjpegCameraSimulator(load_jpegs(), "arduino", fps=10.0).start()
    a = instance(artifacts, redis.url, TOKEN, args=("--camera", f"{CAMERA}={esp32.stream_url}"))
    b = instance(artifacts, redis.url, TOKEN)
    try:
        a.wait_ready(), b.wait_ready()
        yield a, b, redis, esp32
    finally:
        for part in (a, b, esp32, redis):
            part.stop()


class Publisher:
    """A named python-socketio client on one instance sending the face until closed."""

    def __init__(self, url, name):
        self.client = RecordingClient(url, auth={"token": TOKEN, "source": name})
        self.client.next("settings")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)
        self._thread.start()

    def _send(self):
        jpeg = face_jpeg()
        for _ in range(MAX_SENT):
            if self._stop.wait(SEND_EVERY_S):
                return
            self.client.sio.emit("image", jpeg)

    def close(self):
        self._stop.set()
        self._thread.join(5)
        self.client.close()


def wall(server):
    """Return {name: entry} of the camera wall's list on `server`."""
    status, _, body = get(server.url + "/cameras.json", AUTH)
    assert status == 200
    return {entry["name"]: entry for entry in json.loads(body)["sources"]}


def test_mjpeg_snapshots_and_recordings_of_a_source_on_the_other_instance(pair):
    a, b, _, _ = pair
    name = unique_name("held-on-a")
    publisher = Publisher(a.url, name)
    try:
        wait_until(lambda: name in wall(b), timeout=WAIT_S, what=f"{name} on B's wall")
        player = MjpegViewer(f"{b.url}/video/{name}.mjpg?token={TOKEN}")
        try:
            assert player.status == 200
            assert_recoloured_face(player.wait_for(3))
            # Its owner's instance counts the player on the other one, as the wall on B does.
            for server in (a, b):
                wait_until(lambda: wall(server)[name]["players"] == 1, timeout=WAIT_S,
                           what="the player counted")
        finally:
            player.close()
        status, kind, jpeg = get(f"{b.url}/snapshot/{name}.jpg", AUTH)
        assert (status, kind) == (200, "image/jpeg")
        assert_recoloured_face(jpeg)
        # The media API's snapshot on B saves a frame of A's source too.
        status, row = call("POST", f"{b.url}/api/snapshots", {"source": name}, AUTH)
        assert status == 201, row
        assert (row["source"], row["status"], row["frames"]) == (name, "ok", 1)
        # And records it: a few frames of A's source into an MP4 on B.
        status, row = call("POST", f"{b.url}/api/recordings", {"source": name}, AUTH)
        assert status == 201, row
        wait_until(lambda: call("GET", f"{b.url}/api/media/{row['id']}", None, AUTH)[1]["frames"]
                   >= 5, timeout=WAIT_S, what="frames recorded")
        status, row = call("POST", f"{b.url}/api/recordings/{row['id']}/stop", None, AUTH)
        assert (status, row["status"]) == (200, "ok") and row["frames"] >= 5, row
    finally:
        publisher.close()
    # Once the publisher leaves, the other instance answers as for any unknown source.
    wait_until(lambda: name not in wall(b), timeout=WAIT_S, what=f"{name} off B's wall")
    assert get(f"{b.url}/snapshot/{name}.jpg", AUTH)[0] == 404


def test_a_camera_pulled_by_one_instance_is_listed_and_watched_on_the_other(pair):
    a, b, redis, _ = pair
    held = redis.client().get(f"camera:name:{CAMERA}")
    assert held is not None and held.decode().split("|")[0].split(":")[1] == str(a.port)
    wait_until(lambda: CAMERA in wall(b), timeout=WAIT_S, what="the camera on B's wall")
    viewer = RecordingClient(b.url, auth={"token": TOKEN})
    try:
        listed = {e["name"] for e in viewer.sio.call("list_sources", timeout=10)}
        assert CAMERA in listed
        assert viewer.sio.call("watch", {"source": CAMERA}, timeout=10) == {"watching": CAMERA}
        payload, meta = viewer.next("response_back", timeout=WAIT_S)
        assert meta["source"] == CAMERA
        assert_recoloured_face(payload)
    finally:
        viewer.close()
    assert_recoloured_face(mjpeg_frame(f"{b.url}/video/{CAMERA}.mjpg?token={TOKEN}", 2))


def test_a_second_instance_refuses_a_camera_name_held_elsewhere(pair, artifacts):
    _, _, redis, esp32 = pair
    other = instance(artifacts, redis.url, TOKEN, args=("--camera", f"{CAMERA}={esp32.stream_url}"))
    try:
        with pytest.raises(RuntimeError) as refused:
            other.wait_ready()
        assert f"--camera {CAMERA}: the source name '{CAMERA}' is in use on another instance" \
            in str(refused.value)
    finally:
        other.stop()
