"""Recording and media against the real server: record, play in Chromium, stop, delete, traversal."""

import time

import pytest

from ..browser import DESKTOP, PHONE
from ..media_helpers import Publisher, call, click_delete, decoded_frames, fetch, play, rows
from ..server_process import ServerProcess

# Only an item's maker deletes it (README, Recording and media): these tests make and delete as
# one client, and the library page they open holds the same key.
OWNER_KEY = "media-test-owner-key-0123456789"
OWNER = {"X-Owner-Key": OWNER_KEY}
KEEPS_OWNER_KEY = f"localStorage.setItem('owner-key', {OWNER_KEY!r});"


@pytest.fixture(scope="module")
def media_server(shared_server):
    """The session's default server; its data folder is a temporary one of its own."""
    return shared_server()


def record(server, source, seconds, publisher, headers=None):
    """Record `source` for `seconds` through the API; return (finished entry, frames processed)."""
    status, entry = call("POST", server.url + "/api/recordings", {"source": source}, headers)
    assert status == 201, entry
    assert entry["status"] == "recording" and entry["kind"] == "recording"
    before = publisher.processed()
    time.sleep(seconds)
    status, done = call("POST", f"{server.url}/api/recordings/{entry['id']}/stop", headers=headers)
    assert status == 200, done
    return done, publisher.processed() - before


def test_a_5_s_recording_of_the_face_plays_in_chromium(media_server, open_page, artifacts):
    with Publisher(media_server.url, "face") as publisher:
        entry, processed = record(media_server, "face", 5, publisher)
    assert entry["status"] == "ok" and entry["message"] == ""
    # The tap shares the publisher's rendition: each frame it saw was recorded or dropped.
    assert abs(entry["frames"] + entry["dropped"] - processed) <= 3, (entry, processed)
    assert entry["frames"] > 30
    path = media_server.data_dir / "media" / f"{entry['id']}.mp4"
    assert path.stat().st_size == entry["bytes"] and decoded_frames(path) == entry["frames"]
    page = open_page(media_server.url + "/media", viewport=DESKTOP)
    facts = play(page, entry["url"])
    assert facts["state"] == "ok", facts
    assert 4.5 <= facts["duration"] <= 6.0 and abs(facts["duration"] - entry["duration_s"]) < 0.3
    assert (facts["width"], facts["height"]) == (640, 480) and facts["played"] > 0.2
    status, thumbnail = fetch(media_server.url + entry["thumbnail_url"])
    assert status == 200 and thumbnail[:2] == b"\xff\xd8"


def test_a_source_that_leaves_finishes_its_recording(media_server):
    publisher = Publisher(media_server.url, "leaving").start()
    status, entry = call("POST", media_server.url + "/api/recordings", {"source": "leaving"})
    assert status == 201
    time.sleep(2)
    publisher.stop()  # disconnects
    deadline = time.monotonic() + 20
    while entry["status"] == "recording" and time.monotonic() < deadline:
        time.sleep(0.3)
        entry = call("GET", f"{media_server.url}/api/media/{entry['id']}")[1]
    assert entry["status"] == "ok" and "source disconnected" in entry["message"]
    assert decoded_frames(media_server.data_dir / "media" / f"{entry['id']}.mp4") == entry["frames"] > 5
    assert rows(media_server.data_dir)[entry["id"]]["status"] == "ok"


def test_snapshot_list_filters_and_delete(media_server):
    with Publisher(media_server.url, "snap"):
        status, snap = call("POST", media_server.url + "/api/snapshots", {"source": "snap"}, OWNER)
    assert status == 201 and snap["kind"] == "snapshot" and snap["status"] == "ok"
    assert (snap["width"], snap["height"]) == (640, 480)
    status, body = fetch(media_server.url + snap["url"])
    assert status == 200 and body[:2] == b"\xff\xd8" and len(body) == snap["bytes"]
    listed = call("GET", media_server.url + "/api/media?kind=snapshot&source=snap")[1]
    assert [item["id"] for item in listed["items"]] == [snap["id"]]
    everything = call("GET", media_server.url + "/api/media?limit=200")[1]["items"]
    assert [i["created"] for i in everything] == sorted((i["created"] for i in everything), reverse=True)
    status, _ = call("DELETE", f"{media_server.url}/api/media/{snap['id']}", headers=OWNER)
    assert status == 200
    assert call("GET", f"{media_server.url}/api/media/{snap['id']}")[0] == 404
    assert snap["id"] not in rows(media_server.data_dir)
    assert not (media_server.data_dir / "media" / f"{snap['id']}.jpg").exists()
    assert fetch(media_server.url + snap["url"])[0] == 404


def test_a_private_or_missing_source_cannot_be_recorded(media_server):
    from ..socket_client import RecordingClient

    private = RecordingClient(media_server.url)  # no name: a private camera-N
    private.next("settings")
    try:
        status, answer = call("POST", media_server.url + "/api/recordings", {"source": "camera-1"})
        assert status == 404 and answer["error"]["code"] == "no_source"
    finally:
        private.close()


TRAVERSALS = ["..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", "....%2f", "library.sqlite3", "0" * 15 + "g",
              "0123456789abcdef%00", "0123456789ABCDEF"]


@pytest.mark.parametrize("bad", TRAVERSALS)
def test_traversal_in_any_parameter_is_refused(media_server, bad):
    base = media_server.url
    for method, path in [("GET", f"/api/media/{bad}"), ("DELETE", f"/api/media/{bad}"),
                         ("POST", f"/api/recordings/{bad}/stop"), ("GET", f"/media/files/{bad}"),
                         ("GET", f"/media/files/{bad}.mp4"), ("GET", f"/media/files/..%2F{bad}")]:
        status, _answer = call(method, base + path)
        assert status in (400, 404, 405), (method, path, status)
    for query in (f"kind={bad}", f"limit={bad}", f"offset={bad}"):
        assert call("GET", f"{base}/api/media?{query}")[0] == 400, query
    # Some of these are valid source names (nothing by them is listed); the rest are refused.
    status, answer = call("GET", f"{base}/api/media?source={bad}")
    assert (status, answer.get("items")) == (200, []) or status == 400
    for route in ("/api/recordings", "/api/snapshots"):
        status, answer = call("POST", base + route, {"source": f"../{bad}"})
        assert status == 400 and answer["error"]["code"] == "bad_source_name"
    assert fetch(base + "/media/files/library.sqlite3")[0] == 404


def test_the_library_page_plays_and_deletes(media_server, open_page, artifacts):
    with Publisher(media_server.url, "page") as publisher:
        entry, _processed = record(media_server, "page", 2, publisher, OWNER)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_page(media_server.url + "/media", viewport=viewport, init_script=KEEPS_OWNER_KEY)
        card = page.locator(f'article[data-id="{entry["id"]}"]')
        card.wait_for(timeout=15000)
        page.screenshot(path=str(artifacts / f"media-library-{name}.png"), full_page=True)
    card.locator("button.play").click()
    page.wait_for_function("() => document.getElementById('player-video').readyState >= 1",
                           timeout=15000)
    duration = page.evaluate("() => document.getElementById('player-video').duration")
    assert abs(duration - entry["duration_s"]) < 0.3
    page.screenshot(path=str(artifacts / "media-library-playing.png"))
    page.locator("form[method=dialog] button").click()
    # Delete asks first, saying what goes; "no" keeps it.
    question = click_delete(page, card, accept=False)
    assert "recording of page" in question and "gone for good" in question
    assert card.count() == 1
    click_delete(page, card)
    card.wait_for(state="detached", timeout=15000)
    assert call("GET", f"{media_server.url}/api/media/{entry['id']}")[0] == 404
    assert not (media_server.data_dir / "media" / f"{entry['id']}.mp4").exists()


def test_another_sites_page_cannot_start_or_delete(media_server):
    evil = {"Origin": "http://evil.example"}
    status, answer = call("POST", media_server.url + "/api/recordings", {"source": "x"}, evil)
    assert status == 403 and answer["error"]["code"] == "bad_origin"
    assert call("DELETE", media_server.url + "/api/media/0123456789abcdef", headers=evil)[0] == 403
    # A form post (no JSON) is refused too: it could come from any page without a preflight.
    status, answer = call("POST", media_server.url + "/api/snapshots", raw=b"source=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and answer["error"]["code"] == "bad_request"


def test_beyond_loopback_the_api_needs_the_token_and_files_their_key(artifacts, tmp_path):
    token = "media-test-token-0123456789"
    server = ServerProcess(artifacts, "--public", "--data-dir", str(tmp_path),
                           env={"ACCESS_TOKEN": token}).wait_ready()
    bearer = {"Authorization": f"Bearer {token}"}
    none = {"Authorization": None}  # the helpers send the run's token unless told
    try:
        with Publisher(server.url, "guarded", auth_token=token):
            assert call("POST", server.url + "/api/snapshots", {"source": "guarded"}, none)[0] == 401
            status, snap = call("POST", server.url + "/api/snapshots", {"source": "guarded"},
                                {**bearer, **OWNER})
            assert status == 201
        status, answer = call("GET", server.url + "/api/media", headers=none)
        assert status == 401 and "access token" in answer["error"]["message"]
        assert call("GET", server.url + "/api/media", headers=bearer)[1]["total"] == 1
        assert fetch(server.url + snap["url"], none)[0] == 200  # the entry's own key
        bare = snap["url"].split("?")[0]
        assert fetch(server.url + bare, none)[0] == 401
        assert fetch(server.url + bare + "?key=" + "0" * 32, none)[0] == 401
        assert call("DELETE", f"{server.url}/api/media/{snap['id']}", headers=none)[0] == 401
        assert call("DELETE", f"{server.url}/api/media/{snap['id']}", headers={**bearer, **OWNER})[0] == 200
    finally:
        server.stop()


def test_the_library_page_works_under_its_content_security_policy(media_server, open_page):
    with Publisher(media_server.url, "csp"):
        status, _snap = call("POST", media_server.url + "/api/snapshots", {"source": "csp"})
    assert status == 201
    page = open_page(media_server.url + "/media", enforce_csp=True)
    page.locator("article.media-item img").first.wait_for(timeout=15000)
    assert page.locator("article.media-item").count() >= 1


def test_the_library_page_stops_a_running_recording(media_server, open_page):
    with Publisher(media_server.url, "stopme"):
        status, entry = call("POST", media_server.url + "/api/recordings", {"source": "stopme"})
        assert status == 201
        page = open_page(media_server.url + "/media")
        running = page.locator(f'article[data-id="{entry["id"]}"][data-status="recording"]')
        running.locator("button.stop").click(timeout=15000)
        page.locator(f'article[data-id="{entry["id"]}"][data-status="ok"]').wait_for(timeout=20000)
    finished = call("GET", f"{media_server.url}/api/media/{entry['id']}")[1]
    assert finished["status"] == "ok" and finished["frames"] > 0


RAW = {"noise": False, "filter": False, "lips": False, "stamp": False}


def test_the_raw_input_is_recorded_beside_the_processed_output(media_server):
    with Publisher(media_server.url, "both"):
        started = [call("POST", media_server.url + "/api/recordings", {"source": "both", **extra})
                   for extra in ({}, {"settings": RAW})]
        assert [status for status, _entry in started] == [201, 201]
        time.sleep(2)
        done = [call("POST", f"{media_server.url}/api/recordings/{entry['id']}/stop")[1]
                for _status, entry in started]
    assert [entry["status"] for entry in done] == ["ok", "ok"]
    processed, raw = done
    assert abs(processed["frames"] - raw["frames"]) <= 3 and raw["frames"] > 10
    status, answer = call("POST", media_server.url + "/api/recordings",
                          {"source": "both", "settings": {"lips": "maybe"}})
    assert status == 400 and "lips" in answer["error"]["message"]
