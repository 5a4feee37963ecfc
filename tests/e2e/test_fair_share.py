"""One token holder cannot take the CPU from the others: renditions, settings churn, `sources` floods."""

import time

import pytest

from harness.server import ServerProcess

from ..good_stream import GOOD_FPS, GoodStream
from ..media_helpers import Publisher, call, fetch
from ..server_process import pipeline_children
from ..socket_client import RecordingClient

MAX_RENDITIONS = 3


@pytest.fixture(scope="module")
def fair_server(artifacts):
    server = ServerProcess("--max-renditions", str(MAX_RENDITIONS), log_dir=artifacts).wait_ready()
    yield server
    server.stop()


@pytest.fixture
def clients(fair_server):
    made = []

    def make(**options):
        client = RecordingClient(fair_server.url, **options)
        client.next("settings")
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_a_source_is_processed_in_at_most_so_many_ways(fair_server, clients):
    with Publisher(fair_server.url, "capped", fps=6):
        viewers = []
        for quality in range(50, 50 + MAX_RENDITIONS):  # the publisher's own is one of them
            viewer = clients()
            assert viewer.settings({"jpeg_quality": quality})["settings"]["jpeg_quality"] == quality
            viewers.append(viewer)
        for viewer in viewers[:MAX_RENDITIONS - 1]:
            assert viewer.sio.call("watch", {"source": "capped"}) == {"watching": "capped"}
        refused = viewers[-1].sio.call("watch", {"source": "capped"})
        assert refused["error"]["code"] == "too_many_renditions"
        # Settings another viewer uses fit; new ones do not, and the old settings stay.
        assert viewers[-1].settings({"jpeg_quality": 50})["settings"]["jpeg_quality"] == 50
        assert viewers[-1].sio.call("watch", {"source": "capped"}) == {"watching": "capped"}
        answer = viewers[-1].settings({"jpeg_quality": 99})
        assert answer["error"]["code"] == "too_many_renditions"
        assert answer["settings"]["jpeg_quality"] == 50
        # A player and the media API with yet other settings are refused the same way.
        status, _ = fetch(fair_server.url + "/snapshot/capped.jpg?jpeg_quality=98")
        assert status == 503
        status, answer = call("POST", fair_server.url + "/api/snapshots",
                              {"source": "capped", "settings": {"jpeg_quality": 97}})
        assert status == 429 and answer["error"]["code"] == "too_many_renditions"
        # A viewer leaving frees its rendition at once (viewers[0] shares its settings, 50).
        viewers[1].close()
        deadline = time.monotonic() + 10
        while fetch(fair_server.url + "/snapshot/capped.jpg?jpeg_quality=96")[0] != 200:
            assert time.monotonic() < deadline, "the rendition was not freed"


def test_settings_churn_is_rate_limited_and_the_honest_client_keeps_its_rate(fair_server,
                                                                            clients):
    with Publisher(fair_server.url, "churned", fps=6):
        good = GoodStream(fair_server.url)
        good.start()
        churner = clients()
        churner.sio.call("watch", {"source": "churned"})
        started = time.monotonic()
        refused = 0
        for step in range(60):  # 10 changes a second for 6 s
            answer = churner.settings({"noise_amount": round(0.01 + step / 1000, 3)})
            refused += "error" in answer and answer["error"]["code"] == "rate_limited"
            time.sleep(max(0.0, started + (step + 1) / 10 - time.monotonic()))
        good.stop.set()
        good.join(timeout=5)
        window = good.window(started + 1, time.monotonic())
        assert refused >= 20  # 4 a second are allowed, after a burst of 8
        assert window["fps"] >= 0.8 * GOOD_FPS, window


def test_a_flood_of_watch_events_sends_bystanders_a_few_lists(fair_server, clients):
    with Publisher(fair_server.url, "watched", fps=6):
        bystander = clients()
        bystander.drain("sources")
        flooder = clients()
        started = time.monotonic()
        for _ in range(500):
            flooder.sio.emit("watch", {"source": "watched"})
            flooder.sio.emit("watch", None)
        flooder.sio.call("list_sources")  # every watch before it was handled
        time.sleep(1.0)  # the last coalesced list
        lists = bystander.drain("sources")
        seconds = time.monotonic() - started
        assert 1 <= len(lists) <= 2 * seconds + 2, (len(lists), seconds)


def test_health_says_503_while_no_pipeline_process_runs(artifacts):
    server = ServerProcess("--workers", "1", log_dir=artifacts).wait_ready()
    try:
        [child] = pipeline_children(server)
        child.kill()
        seen, seen_last = set(), None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (503 in seen and 200 in seen and
                                                    seen_last == 200):
            status, body = fetch(server.url + "/healthz")
            seen.add(status)
            seen_last = status
            if status == 503:
                assert b"no pipeline process" in body
            time.sleep(0.05)
        assert 503 in seen and seen_last == 200, seen
    finally:
        server.stop()
