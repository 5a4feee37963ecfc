"""The owner key across two Chromium pages: a private camera's recordings are its maker's alone; a
shared source's are listed to everyone and deleted by their maker only."""

import pytest

from ..browser_page import start_camera
from ..media_helpers import Publisher, call, click_delete, fetch
from ..server_process import ServerProcess

OWN_KEY = "() => localStorage.getItem('owner-key')"


@pytest.fixture(scope="module")
def owners_server(artifacts, tmp_path_factory):
    server = ServerProcess(artifacts, "--data-dir", str(tmp_path_factory.mktemp("owners"))).wait_ready()
    yield server
    server.stop()


def record_on_page(page):
    """Press Record, wait two seconds of recording, press it again, wait until it is saved."""
    page.locator("#record").click()
    page.wait_for_function("() => /Recording 0:0[2-9]/.test("
                           "document.getElementById('record-status').textContent)", timeout=20000)
    page.locator("#record").click()
    page.wait_for_function("() => document.getElementById('record-status')"
                           ".textContent.startsWith('Saved')", timeout=20000)


def listed(server, key):
    """Return the ids the media API lists to the holder of `key`."""
    status, page = call("GET", server.url + "/api/media?limit=200", headers={"X-Owner-Key": key})
    assert status == 200, page
    return {item["id"]: item for item in page["items"]}


def test_a_private_cameras_recording_is_its_makers_and_a_shared_ones_is_listed_to_all(
        owners_server, open_page):
    url = owners_server.url
    maker = open_page(url)
    start_camera(maker)
    record_on_page(maker)  # its own camera, private
    maker.locator("#share").click()
    maker.wait_for_selector('#share-status[data-shared="true"]', timeout=15000)
    record_on_page(maker)  # the same camera, shared now
    maker_key = maker.evaluate(OWN_KEY)
    mine = listed(owners_server, maker_key)
    private = next(i for i in mine.values() if i["private"])
    shared = next(i for i in mine.values() if not i["private"])
    assert private["maker"] == shared["maker"] == "you" and private["status"] == "ok"

    other = open_page(url + "/media")
    other.locator(f'article[data-id="{shared["id"]}"]').wait_for(timeout=15000)
    assert other.locator(f'article[data-id="{private["id"]}"]').count() == 0
    assert other.locator(f'article[data-id="{shared["id"]}"] button.delete').count() == 0
    other_key = {"X-Owner-Key": other.evaluate(OWN_KEY)}
    assert set(listed(owners_server, other_key["X-Owner-Key"])) == {shared["id"]}
    assert set(listed(owners_server, "")) == {shared["id"]}  # no key: the shared one only
    assert call("GET", f"{url}/api/media/{private['id']}", headers=other_key)[0] == 404
    bare = private["url"].split("?")[0]
    for path in (bare, bare.replace(".mp4", ".thumb.jpg"), bare + "?key=" + "0" * 32):
        assert fetch(url + path, {"X-Owner-Key": other_key["X-Owner-Key"]})[0] == 404, path
    assert call("DELETE", f"{url}/api/media/{private['id']}", headers=other_key)[0] == 404
    status, refused = call("DELETE", f"{url}/api/media/{shared['id']}", headers=other_key)
    assert status == 403 and refused["error"]["code"] == "not_yours"
    assert call("DELETE", f"{url}/api/media/{shared['id']}")[0] == 403  # nor without a key

    maker.goto(url + "/media")  # the same browser: its owner key and its token
    for item in (private, shared):
        card = maker.locator(f'article[data-id="{item["id"]}"]')
        card.wait_for(timeout=15000)
        card.locator("button.play").click()
        maker.wait_for_function("() => document.getElementById('player-video').readyState >= 1",
                                timeout=15000)
        maker.locator("form[method=dialog] button").click()
        click_delete(maker, card)
        card.wait_for(state="detached", timeout=15000)
    assert listed(owners_server, maker_key) == {}


def test_keys_are_checked_and_a_keyless_item_is_the_operators_to_delete(owners_server):
    url = owners_server.url
    status, answer = call("GET", url + "/api/media", headers={"X-Owner-Key": "short"})
    assert status == 400 and answer["error"]["code"] == "bad_owner_key"
    status, answer = call("GET", url + "/api/media", headers={"X-Owner-Key": "x" * 129})
    assert status == 400 and answer["error"]["code"] == "bad_owner_key"
    with Publisher(url, "keyless"):
        status, snap = call("POST", url + "/api/snapshots", {"source": "keyless"})
        assert status == 201 and snap["maker"] == "none" and not snap["private"]
        status, running = call("POST", url + "/api/recordings", {"source": "keyless"},
                               {"X-Owner-Key": "a-script-that-keeps-its-key"})
        assert status == 201
        someone = {"X-Owner-Key": "someone-else-entirely-0001"}
        status, refused = call("POST", f"{url}/api/recordings/{running['id']}/stop", headers=someone)
        assert status == 403 and refused["error"]["code"] == "not_yours"
        status, done = call("POST", f"{url}/api/recordings/{running['id']}/stop",
                            headers={"X-Owner-Key": "a-script-that-keeps-its-key"})
        assert status == 200 and done["maker"] == "you"
    status, refused = call("DELETE", f"{url}/api/media/{snap['id']}", headers=someone)
    assert status == 403 and "python -m media delete" in refused["error"]["message"]
    assert call("GET", f"{url}/api/media/{snap['id']}", headers=someone)[1]["maker"] == "none"
