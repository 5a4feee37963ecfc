"""Two instances behind nginx, sharing sources through Redis: all real, all on 127.0.0.1."""

import json
import queue
import subprocess
import sys
import time

import pytest

from streaming.cluster.keys import HEARTBEAT_S

from ..bridge_harness import Rig, assert_recoloured_face, unique_name, wait_until
from ..cluster_harness import Cluster, RedisServer, instance, kill_hard, need
from ..images import decode, face_frame, face_jpeg, redness, reference_lip_masks
from ..server_process import ROOT
from ..socket_client import RecordingClient, refusal

TOKEN = "cluster-test-token"  # through nginx every client needs one, as it would in production
WAIT_S = 60
# Makes the page's own io(...) call ask for long-polling only (the vendored client sets window.io).
FORCE_POLLING = """(() => {
  let real;
  Object.defineProperty(window, 'io', {configurable: true,
    get() { return real && ((options) => real({...options, transports: ['polling']})); },
    set(value) { real = value; }});
})();"""


@pytest.fixture(scope="module")
def cluster(artifacts, tmp_path_factory):
    made = Cluster(artifacts, tmp_path_factory.mktemp("cluster"), TOKEN)
    yield made
    made.close()


@pytest.fixture
def rig(cluster):
    made = Rig(cluster.proxy.url)  # cameras come in through nginx
    yield made
    made.close()


@pytest.fixture
def viewers():
    made = []

    def connect(url, **auth):
        client = RecordingClient(url, auth={"token": TOKEN, **auth})
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


def listed(client):
    """Return {name: entry} of the `sources` list the client's instance gives."""
    return {entry["name"]: entry for entry in client.sio.call("list_sources", timeout=10)}


def watch(client, name):
    """Watch `name` once the client's instance lists it."""
    wait_until(lambda: name in listed(client), timeout=WAIT_S, what=f"{name} listed")
    assert client.sio.call("watch", {"source": name}, timeout=10) == {"watching": name}


def frames(client, count, timeout=WAIT_S):
    """Return the next `count` processed frames (payload, meta) the client receives."""
    return [client.next("response_back", timeout=timeout) for _ in range(count)]


def bridged_camera(rig):
    """A simulated ESP32 and its bridge, through nginx; return (name, bridge, received)."""
    name = unique_name("esp32")
    _, bridge, received, _ = rig.camera("arduino", name=name, token=TOKEN)
    received.wait_for(2)
    return name, bridge, received


def test_viewers_on_both_instances_get_the_camera_processed_once(cluster, rig, viewers):
    name, _, _ = bridged_camera(rig)
    holder = cluster.holder(name)
    here, there = viewers(holder.url), viewers(cluster.other(holder).url)
    for viewer in (here, there):
        watch(viewer, name)
    frames(here, 1), frames(there, 1)
    here.drain("response_back"), there.drain("response_back")
    got_here, got_there = frames(here, 8), frames(there, 8)
    for payload, meta in (got_here[-1], got_there[-1]):
        assert meta["source"] == name
        assert_recoloured_face(payload)
    # Processed once, on the holder: where both got the same frame, they got the same bytes
    # (a second pipeline run would add different noise).
    by_seq = {meta["seq"]: payload for payload, meta in got_here}
    common = [(payload, by_seq[meta["seq"]]) for payload, meta in got_there if meta["seq"] in by_seq]
    assert common, "no frame reached both viewers"
    assert all(mine == theirs for mine, theirs in common)
    # Both instances count both viewers.
    for viewer in (here, there):
        wait_until(lambda: listed(viewer)[name]["viewers"] == 2, timeout=WAIT_S,
                   what="both viewers counted")
    # The viewer elsewhere turns lips off: the holder runs those settings for it.
    assert there.settings({"lips": False})["settings"]["lips"] is False
    wait_until(lambda: lip_gain(frames(there, 1)[0][0]) < 8, timeout=WAIT_S,
               what="frames without lip colour")
    assert lip_gain(frames(here, 1)[0][0]) > 25  # the other viewer keeps its own settings


def lip_gain(payload):
    """How much redder the lips are in a processed frame than in the photo."""
    frame = face_frame()
    lips, _ = reference_lip_masks(frame)
    return redness(decode(payload), lips) - redness(frame, lips)


def test_a_name_is_held_across_the_cluster(cluster, viewers):
    name = unique_name("held")
    claim = "c" * 24
    first = viewers(cluster.servers[0].url, source=name, claim=claim)
    first.send(face_jpeg())
    watcher = viewers(cluster.servers[1].url)
    watch(watcher, name)
    for auth in ({"source": name, "claim": "d" * 24}, {"source": name}):
        refused = refusal(cluster.servers[1].url, {"token": TOKEN, **auth})
        assert refused["data"]["code"] == "source_taken"
        assert "in use on another instance" in refused["message"]
    # Its own claim takes it over from the other instance (a publisher that moved).
    moved = viewers(cluster.servers[1].url, source=name, claim=claim)
    moved.next("settings")
    assert cluster.holder(name) is cluster.servers[1]
    # Its old instance lets go; the viewer on the new one watches it there without a break.
    wait_until(lambda: first.sio.call("image", face_jpeg(), timeout=10).get("error", {}).get("code")
               == "source_taken", timeout=WAIT_S, what="the old connection refused")
    time.sleep(2 * HEARTBEAT_S)  # the old instance's end of the stream has reached the viewer
    watcher.drain("response_back")
    assert "seq" in moved.send(face_jpeg())
    payload, meta = watcher.next("response_back", timeout=WAIT_S)
    assert meta["source"] == name
    assert_recoloured_face(payload)
    assert not [s for s in watcher.drain("source_status") if s["state"] == "gone"]


def test_a_private_camera_stays_private_across_instances(cluster, viewers):
    private = viewers(cluster.servers[0].url)  # no name: a page's camera, private until shared
    private.next("settings")
    own = private.sio.call("watch", {"source": None}, timeout=10)["watching"]
    assert own.startswith("camera-") and own != "camera-1"  # generated names carry the instance
    for _ in range(3):
        assert "seq" in private.send(face_jpeg())
    elsewhere = viewers(cluster.servers[1].url)
    time.sleep(3 * HEARTBEAT_S)  # long enough for it to be listed, were it listed
    assert own not in listed(elsewhere)
    refused = elsewhere.sio.call("watch", {"source": own}, timeout=10)
    assert refused["error"]["code"] == "no_source"


def test_the_page_works_through_nginx_over_websocket_and_polling(cluster, open_page):
    from ..browser_page import frame_after, lip_redness_gain, shown_seq, start_camera
    for script, websocket in ((None, True), (FORCE_POLLING, False)):
        page = open_page(f"{cluster.proxy.url}/#token={TOKEN}", init_script=script)
        start_camera(page)
        shown = frame_after(page, shown_seq(page) + 2)
        assert lip_redness_gain(shown) > 20
        sent_on_websocket = page.evaluate("(window.__sentFrames || []).length") > 0
        assert sent_on_websocket == websocket


def test_a_page_on_the_other_instance_watches_the_camera(cluster, rig, open_page):
    from ..browser_page import frame_after, lip_redness_gain, pick_source, shown_seq
    name, _, _ = bridged_camera(rig)
    elsewhere = cluster.other(cluster.holder(name))
    page = open_page(f"{elsewhere.url}/#token={TOKEN}")
    pick_source(page, name)
    shown = frame_after(page, shown_seq(page) + 2)
    assert shown.shape == (480, 640, 3)
    assert lip_redness_gain(shown) > 20


def test_an_emit_through_flask_socketios_queue_reaches_every_instance(cluster, viewers):
    from flask_socketio import SocketIO
    clients = [viewers(server.url) for server in cluster.servers]
    for client in clients:
        client.next("settings")
    # As a script would (threading: eventlet's mode, picked by default where it is installed,
    # would run its hub in this process).
    outside = SocketIO(message_queue=cluster.redis.url, channel="camera-socketio",
                       async_mode="threading")
    notice = {"source": "notice", "state": "stale", "message": "from a script"}
    for client in clients:
        # Each instance's queue listener subscribes in the background once its first client
        # connects: an emit before that reaches nobody, so it is repeated a few times.
        for _ in range(10):
            outside.emit("source_status", notice)
            try:
                assert client.next("source_status", timeout=2) == notice
                break
            except queue.Empty:
                continue
        else:
            raise AssertionError("the queue's emit never arrived")


def test_through_nginx_the_token_is_needed(cluster):
    refused = refusal(cluster.proxy.url, {"token": None})  # none at all
    assert refused["data"]["code"] == "unauthorized"


@pytest.mark.slow  # failover, or a bench run
def test_redis_restart_keeps_local_clients_and_viewing_resumes(cluster, rig, viewers):
    name, _, received = bridged_camera(rig)
    holder = cluster.holder(name)
    elsewhere = cluster.other(holder)
    there = viewers(elsewhere.url)
    watch(there, name)
    frames(there, 2)

    cluster.redis.stop()
    stopped_at = time.monotonic()
    # Each instance still serves its own clients: the camera on one, a page's own frames on the other.
    assert_recoloured_face(received.wait_for(3, after=stopped_at)[-1])
    own = viewers(elsewhere.url)
    own.next("settings")
    assert "seq" in own.send(face_jpeg())
    assert_recoloured_face(own.next("response_back", timeout=WAIT_S)[0])
    for server in cluster.servers:
        wait_until(lambda: "is unreachable" in server.log(), timeout=WAIT_S, what="the Redis line")
    time.sleep(3)  # more heartbeats fail meanwhile; still one line each
    for server in cluster.servers:
        assert server.log().count("is unreachable") == 1

    cluster.redis.start()
    there.drain("response_back")
    restarted_at = time.monotonic()
    payload, meta = frames(there, 3)[-1]
    assert meta["source"] == name
    assert_recoloured_face(payload)
    for server in cluster.servers:
        wait_until(lambda: "is back" in server.log(), timeout=WAIT_S, what="the recovery line")
        assert server.proc.poll() is None
    print(f"viewing resumed {time.monotonic() - restarted_at:.1f} s after Redis returned")


def test_an_instance_starts_without_redis_and_joins_when_it_comes(artifacts, tmp_path, viewers):
    redis = RedisServer(tmp_path)  # its port is chosen, but nothing listens there yet
    server = instance(artifacts, redis.url, TOKEN).wait_ready()
    try:
        name = unique_name("early")
        own = viewers(server.url, source=name, claim="f" * 24)
        own.next("settings")
        assert "seq" in own.send(face_jpeg())
        assert_recoloured_face(own.next("response_back", timeout=WAIT_S)[0])
        wait_until(lambda: "is unreachable" in server.log(), timeout=WAIT_S, what="the Redis line")
        redis.start()
        wait_until(lambda: "is back" in server.log(), timeout=WAIT_S, what="the recovery line")
        assert server.log().count("is unreachable") == 1
        # Once Redis is there, the instance's name and record are written to it.
        wait_until(lambda: redis.client().keys("camera:instance:*"), timeout=WAIT_S, what="record")
        wait_until(lambda: redis.client().get(f"camera:name:{name}"), timeout=WAIT_S, what="name")
    finally:
        server.stop()
        redis.stop()


@pytest.mark.slow  # failover, or a bench run
def test_a_killed_instance_hands_its_camera_to_the_other(artifacts, tmp_path_factory, viewers,
                                                        open_page):
    from ..browser_page import FRAME_TIMEOUT_MS, READ_IMAGE, lip_redness_gain, pick_source, png_frame
    cluster = Cluster(artifacts, tmp_path_factory.mktemp("dying"), TOKEN)
    rig = Rig(cluster.proxy.url)
    try:
        name, bridge, received = bridged_camera(rig)
        doomed = cluster.holder(name)
        survivor = cluster.other(doomed)
        only_there = unique_name("only")
        viewers(doomed.url, source=only_there, claim="e" * 24).send(face_jpeg())
        watcher = viewers(survivor.url)
        watch(watcher, name)
        wait_until(lambda: only_there in listed(watcher), timeout=WAIT_S, what="listed")
        frames(watcher, 2)
        page = open_page(f"{cluster.proxy.url}/#token={TOKEN}")  # through nginx, like the camera
        pick_source(page, name)

        kill_hard(doomed)
        killed_at = time.monotonic()
        watcher.drain("response_back")
        page.evaluate("document.getElementById('processed').dataset.seq = '-1'")
        # The bridge comes back through nginx on the survivor; the viewer there sees it again.
        # Frames the dead instance sent just before the kill can still arrive, so wait for the
        # name to move before counting frames as the survivor's.
        wait_until(lambda: cluster.holder(name) is survivor, timeout=WAIT_S, what="the name moved")
        assert_recoloured_face(received.wait_for(2, after=time.monotonic())[-1])
        payload, meta = frames(watcher, 1)[0]
        back_after = time.monotonic() - killed_at
        assert meta["source"] == name
        assert_recoloured_face(payload)
        # The page reconnects through nginx to the survivor and watches the camera again.
        page.wait_for_function(f"document.getElementById('processed').dataset.seq > 0 && "
                               f"document.getElementById('processed').dataset.source === '{name}'",
                               timeout=FRAME_TIMEOUT_MS)
        page_back_after = time.monotonic() - killed_at
        assert lip_redness_gain(png_frame(page.eval_on_selector("#processed", READ_IMAGE))) > 20
        # The dead instance's own sources leave the survivor's list within 15 s.
        wait_until(lambda: only_there not in listed(watcher), timeout=15, what="the dead source gone")
        gone_after = time.monotonic() - killed_at
        assert gone_after <= 15
        # A new viewer through nginx finds the camera and watches it.
        late = viewers(cluster.proxy.url)
        watch(late, name)
        assert_recoloured_face(frames(late, 2)[-1][0])
        assert bridge.uplink.connects >= 2
        print(f"after the kill: the viewer elsewhere had frames again in {back_after:.1f} s, the "
              f"page in {page_back_after:.1f} s; the dead source left the list in {gone_after:.1f} s")
    finally:
        rig.close()
        cluster.close()


@pytest.mark.slow  # failover, or a bench run
def test_the_cluster_bench_runs_and_prints_its_numbers():
    need("redis-server")
    proc = subprocess.run([sys.executable, "-m", "bench.cluster", "--smoke", "--duration", "1",
                           "--clients", "2", "--size", "320x240"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    latency = results["latency"]
    assert latency["frames_relayed"] > 0
    for key in ("same_instance_ms", "cross_instance_ms"):
        assert {"p50", "p95", "p99"} <= set(latency[key])
    assert {"redis_cpu_ms_per_frame", "redis_bytes_in_per_frame", "redis_used_memory_kb"} <= set(latency)
    assert results["capacity"]["one_instance_fps"] > 0 and results["capacity"]["two_instances_fps"] > 0
