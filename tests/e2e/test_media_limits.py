"""The media API's edges: bad query values are 400s, never 500s; snapshots waiting at once are capped."""

import concurrent.futures
import time

import cv2
import pytest

from ..images import face_frame, jpeg
from ..media_helpers import call
from ..socket_client import RecordingClient

BAD_VALUES = {
    "limit": ["%C2%B2", "%D9%A3", "9" * 3000, "-1", "1e3", "", "%00", "0", "201", "%FF", "1.0", "+5"],
    "offset": ["%C2%B2", "9" * 3000, "-1", "%EF%BC%91", "abc"],
    "kind": ["%FF", "%C2%B2", "recordings", ""],
    "source": ["%C2%B2", "..%2F", "%00", "a" * 100],
}


@pytest.fixture(scope="module")
def limits_server(shared_server):
    return shared_server()


def test_a_bad_query_value_is_a_400_with_a_clear_error(limits_server):
    for name, values in BAD_VALUES.items():
        for value in values:
            status, answer = call("GET", f"{limits_server.url}/api/media?{name}={value}")
            assert status == 400, (name, value[:20], status, answer)
            assert answer["error"]["code"].startswith("bad_") and name in answer["error"]["message"]
    assert call("GET", f"{limits_server.url}/api/media?limit=3&offset=0")[0] == 200


def test_snapshots_waiting_at_once_are_capped(limits_server):
    # A live source that sends no more frames: each snapshot waits its whole 5 s for one.
    silent = RecordingClient(limits_server.url, auth={"source": "silent"})
    silent.next("settings")
    frame = jpeg(cv2.resize(face_frame(), (160, 120)))
    silent.send(frame)
    silent.next("response_back")
    try:
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            started = time.monotonic()
            answers = list(pool.map(lambda _: call("POST", limits_server.url + "/api/snapshots",
                                                   {"source": "silent"}), range(5)))
        assert time.monotonic() - started < 15
        statuses = sorted(status for status, _answer in answers)
        assert statuses == [429, 504, 504, 504, 504], answers
        refused = next(answer for status, answer in answers if status == 429)
        assert refused["error"]["code"] == "too_many_snapshots"
        assert "the most at once" in refused["error"]["message"]
        # The slots are free again: the next snapshot waits for, and gets, the next frame.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            taking = pool.submit(call, "POST", limits_server.url + "/api/snapshots", {"source": "silent"})
            time.sleep(0.5)
            silent.send(frame)
            status, snap = taking.result(timeout=30)
        assert status == 201 and snap["kind"] == "snapshot", snap
    finally:
        silent.close()
