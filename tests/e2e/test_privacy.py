"""Private cameras, sharing, and names that belong to one publisher, with real Socket.IO clients."""

import secrets
import time

import pytest
import socketio

from protocol import ClientError
from streaming.names import NameRegistry

from ..images import face_jpeg
from ..server_process import ServerProcess
from ..socket_client import RecordingClient, refusal


def listed(client):
    return [s["name"] for s in client.sio.call("list_sources", timeout=10)]


def own_name(client):
    """The name the server gave this client's camera (watching None answers it)."""
    return client.sio.call("watch", {"source": None}, timeout=10)["watching"]


def page_like(connect):
    """A client that connects as a browser page does: no name, so its camera is private."""
    camera = connect()
    camera.next("settings")
    camera.send(face_jpeg())
    camera.next("response_back")
    return camera, own_name(camera)


def test_a_camera_is_private_until_shared_and_unsharing_stops_its_viewers(connect):
    camera, name = page_like(connect)
    other = connect()
    other.next("settings")
    assert name not in listed(other)
    refused = other.sio.call("watch", {"source": name}, timeout=10)
    assert refused["error"]["code"] == "no_source" and "private" in refused["error"]["message"]

    assert camera.sio.call("share", {"shared": True}, timeout=10) == {"shared": True, "viewers": 0}
    assert name in listed(other)
    assert other.sio.call("watch", {"source": name}, timeout=10) == {"watching": name}
    camera.send(face_jpeg())
    assert other.next("response_back")[1]["source"] == name
    entry = next(s for s in other.sio.call("list_sources", timeout=10) if s["name"] == name)
    assert entry["viewers"] == 1  # the other client; the owner watching itself is not counted

    assert camera.sio.call("share", {"shared": False}, timeout=10) == {"shared": False, "viewers": 0}
    assert other.next("source_status") == {"source": name, "state": "unshared",
                                           "message": "its owner stopped sharing it"}
    assert name not in listed(other)
    other.drain("response_back")
    camera.send(face_jpeg())
    camera.next("response_back")
    assert other.drain("response_back") == []  # no frame of that camera any more
    assert other.sio.call("watch", {"source": name}, timeout=10)["error"]["code"] == "no_source"


def test_share_takes_a_boolean(connect):
    camera, _ = page_like(connect)
    for request in ({"shared": "yes"}, {}, True, None):
        assert camera.sio.call("share", request, timeout=10)["error"]["code"] == "bad_share"


def test_a_named_source_is_shared_and_its_name_cannot_be_taken(connect, server):
    claim = secrets.token_urlsafe(24)
    owner = connect(auth={"source": "lobby", "claim": claim})
    owner.next("settings")
    owner.send(face_jpeg())
    owner.next("response_back")
    assert "lobby" in listed(owner)
    for auth in ({"source": "lobby"}, {"source": "lobby", "claim": secrets.token_urlsafe(24)}):
        refused = refusal(server.url, auth)
        assert refused["data"]["code"] == "source_taken" and "lobby" in refused["message"]
    assert owner.send(face_jpeg()).get("seq")  # the owner is untouched
    owner.next("response_back")
    name = own_name(connect())  # a page gets a generated name, and cannot be taken either
    assert refusal(server.url, {"source": name})["data"]["code"] == "source_taken"


def test_the_same_claim_wins_the_name_back_at_once(connect):
    auth = {"source": "attic", "claim": secrets.token_urlsafe(24)}
    first = connect(auth=auth)
    first.next("settings")
    second = connect(auth=auth)  # the same bridge, before its old connection is seen to drop
    second.next("settings")
    assert first.send(face_jpeg())["error"]["code"] == "source_taken"
    second.sio.disconnect()
    third = connect(auth=auth)  # and at once after it dropped
    assert third.send(face_jpeg()).get("seq")
    assert third.next("response_back")[1]["source"] == "attic"


@pytest.fixture(scope="module")
def brief_grace(artifacts):
    """A server that keeps a departed publisher's name for 3 s, logging everything."""
    server = ServerProcess(artifacts, "--in-process", "--workers", "1",
                           env={"NAME_GRACE": "3", "LOG_LEVEL": "DEBUG"}).wait_ready()
    yield server
    server.stop()


def test_a_departed_publishers_name_is_kept_for_its_claim_then_frees(brief_grace):
    claim = secrets.token_urlsafe(24)
    holder = RecordingClient(brief_grace.url, auth={"source": "shed", "claim": claim})
    holder.next("settings")
    holder.close()  # the server sees it leave at once
    time.sleep(0.3)
    refused = refusal(brief_grace.url, {"source": "shed", "claim": secrets.token_urlsafe(24)})
    assert refused["data"]["code"] == "source_taken" and "kept" in refused["message"]
    deadline = time.monotonic() + 15
    while True:  # then anyone may have it
        try:
            newcomer = RecordingClient(brief_grace.url, auth={"source": "shed"})
            break
        except socketio.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "the name never freed"
            time.sleep(0.5)
    assert newcomer.next("settings")
    newcomer.close()


def test_a_claim_is_never_logged(brief_grace):
    claim = secrets.token_urlsafe(24)
    auth = {"source": "loft", "claim": claim}
    first = RecordingClient(brief_grace.url, auth=auth)
    first.next("settings")
    refusal(brief_grace.url, {"source": "loft"})
    second = RecordingClient(brief_grace.url, auth=auth)
    second.next("settings")
    assert refusal(brief_grace.url, {"source": "bad", "claim": "short"})["data"]["code"] == "bad_claim"
    first.close(), second.close()
    time.sleep(0.5)
    log = brief_grace.log()
    assert "source loft moves" in log  # the takeover was logged, its claim was not
    assert claim not in log and claim[:12] not in log


def test_the_name_registry_keeps_a_claimed_name_for_its_grace_only():
    now = [0.0]
    names = NameRegistry(grace_s=10, clock=lambda: now[0])
    assert names.take("gate", "sid-1", "a-claim-of-16-chars") is None
    assert names.take("gate", "sid-2", "a-claim-of-16-chars") == "sid-1"  # same publisher
    names.release("gate", "sid-1")  # the old connection's late goodbye changes nothing
    with pytest.raises(ClientError, match="in use"):
        names.take("gate", "sid-3", "another-claim-of-16")
    names.release("gate", "sid-2")
    now[0] = 9.0
    with pytest.raises(ClientError, match="kept"):
        names.take("gate", "sid-3")
    now[0] = 10.0
    assert names.take("gate", "sid-3") is None and "gate" in names
    names.release("gate", "sid-3")  # no claim: free at once
    assert "gate" not in names
