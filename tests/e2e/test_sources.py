"""Named sources and their viewers: listing, watching, fan-out once per settings, slow viewers."""

import threading
import time

import pytest
import socketio

from harness.access_token import with_token

from ..images import decode, face_frame, face_jpeg, redness, reference_lip_masks


def watcher(connect, source, **settings):
    viewer = connect()
    viewer.next("settings")
    if settings:
        viewer.settings(settings)
    assert viewer.sio.call("watch", {"source": source}, timeout=10) == {"watching": source}
    return viewer


def publisher(connect, name):
    source = connect(auth={"source": name})
    source.next("settings")
    source.send(face_jpeg())  # a source is listed once it has sent a frame
    source.next("response_back")
    return source


def test_a_named_source_is_listed_and_watched_with_recoloured_lips(connect):
    source = publisher(connect, "kitchen")
    viewer = watcher(connect, "kitchen", noise=False, filter=False, lip_color="#ff0000")
    assert "kitchen" in [s["name"] for s in viewer.sio.call("list_sources", timeout=10)]
    source.send(face_jpeg())
    frame, meta = viewer.next("response_back")
    assert meta["source"] == "kitchen"
    lips, _ = reference_lip_masks(face_frame())
    assert redness(decode(frame), lips) - redness(face_frame(), lips) > 25


def test_viewers_with_the_same_settings_share_one_processing(connect):
    source = publisher(connect, "porch")
    same = [watcher(connect, "porch") for _ in range(2)]
    other = watcher(connect, "porch", view="stages")
    source.send(face_jpeg())
    first, second = (v.next("response_back")[0] for v in same)
    assert first == second  # byte for byte: one pipeline run for both
    assert decode(other.next("response_back")[0]).shape == (240, 1280, 3)


def test_watching_an_unknown_source_is_an_error(client):
    answer = client.sio.call("watch", {"source": "nowhere"}, timeout=10)
    assert answer["error"]["code"] == "no_source"
    assert "nowhere" in client.next("error")["message"]


def test_a_bad_source_name_is_refused_with_a_message(server):
    sio = socketio.Client(reconnection=False)
    refusals = []
    sio.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(server.url, auth=with_token({"source": "no spaces/allowed"}),
                    transports=["websocket"])
    assert refusals[0]["data"]["code"] == "bad_source_name" and "source name" in refusals[0]["message"]


def test_status_and_departure_of_a_source_reach_its_viewers(connect):
    source = publisher(connect, "garage")
    viewer = watcher(connect, "garage")
    source.sio.call("source_status", {"state": "stale", "message": "no frame for 5 s"}, timeout=10)
    assert viewer.next("source_status") == {"source": "garage", "state": "stale",
                                            "message": "no frame for 5 s"}
    source.sio.disconnect()
    assert viewer.next("source_status")["state"] == "gone"
    deadline = time.monotonic() + 5
    while "garage" in [s["name"] for s in viewer.sio.call("list_sources", timeout=10)]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_one_slow_viewer_does_not_slow_the_source_or_the_others(connect):
    source = publisher(connect, "yard")
    fast = [watcher(connect, "yard") for _ in range(4)]
    slow = watcher(connect, "yard")
    stall = threading.Event()

    # The slow viewer's handler blocks its read loop, so its socket backs up on the server.
    slow.sio.handlers["/"]["response_back"] = lambda *args: stall.wait(0.5)
    answered = 0
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:  # the source sends for 4 s at up to 15 FPS
        started = time.monotonic()
        source.send(face_jpeg())
        source.next("response_back")
        answered += 1
        time.sleep(max(0.0, 1 / 15 - (time.monotonic() - started)))
    time.sleep(0.5)
    stall.set()
    assert answered >= 10
    for viewer in fast:
        assert len(viewer.drain("response_back")) >= 0.8 * answered
