"""Soak: 1,000+ bad inputs of 35+ kinds, and connection-level attacks, beside a good 6 FPS stream;
and 1,000 connect/disconnect cycles."""

import json
import socket
import threading
import time

import pytest
import websocket
from hypothesis import HealthCheck, given, settings, strategies as st

from harness.access_token import connect_packet
from pipeline.settings import Settings

from ..bad_inputs import RARE, corpus
from ..images import face_jpeg
from ..good_stream import GOOD_FPS, GoodStream
from ..socket_client import RecordingClient

pytestmark = pytest.mark.slow  # a long run: `make test-unit` or -m 'not slow' leave it out

ATTACK_FPS = 25  # per attacker, under the server's 30 FPS cap so each input gets its own error
REPEATS = 25
KNOWN_SETTINGS = set(Settings().as_dict())


@pytest.fixture(scope="module")
def soak_server(shared_server):
    return shared_server()


@pytest.fixture(scope="module")
def soak_log(soak_server):
    """Where the server's log stood when this module began: its soaks are read from there."""
    return soak_server.log_mark()


class Attacker:
    """Sends one bad input at a time and waits for the error it must get back."""

    def __init__(self, url):
        self.client = RecordingClient(url)
        self.client.next("settings")
        self.sent = self.answered = 0

    def attack(self, event, payload):
        started = time.monotonic()
        self.sent += 1
        self.client.sio.emit(event, payload)
        try:
            error = self.client.next("error", timeout=5)
            self.answered += bool(error.get("code") and error.get("message"))
        except Exception:  # queue.Empty: no answer, which the test reports as a failure
            pass
        time.sleep(max(0.0, 1 / ATTACK_FPS - (time.monotonic() - started)))


def handcrafted_batches(attackers):
    kinds = corpus()
    batches = [[] for _ in attackers]
    count = 0
    for kind, item in kinds.items():
        for _ in range(3 if kind in RARE else REPEATS):
            batches[count % len(attackers)].append(item)
            count += 1
    return kinds, batches


GENERATED_KINDS = 6  # the strategies below, one kind each
BAD_EVENTS = st.one_of(
    st.tuples(st.just("image"), st.binary(max_size=3000)),
    st.tuples(st.just("image"), st.text(max_size=400)),
    st.tuples(st.just("image"), st.one_of(st.integers(), st.floats(allow_nan=False),
                                          st.lists(st.integers(), max_size=4), st.none())),
    st.tuples(st.just("settings"), st.dictionaries(
        st.text(min_size=1, max_size=12).filter(lambda key: key not in KNOWN_SETTINGS),
        st.one_of(st.integers(), st.text(max_size=8), st.booleans()), min_size=1, max_size=3)),
    st.tuples(st.just("settings"), st.fixed_dictionaries({"kernel_size": st.integers().filter(
        lambda k: not (1 <= k <= 15 and k % 2 == 1))})),
    st.tuples(st.just("settings"), st.fixed_dictionaries({"noise_amount": st.floats().filter(
        lambda v: not 0 <= v <= 0.5)})),
)


def test_bad_input_soak_leaves_the_good_stream_alone(soak_server, soak_log, artifacts):
    good = GoodStream(soak_server.url)
    good.start()
    time.sleep(4)
    attack_started = time.monotonic()
    attackers = [Attacker(soak_server.url) for _ in range(4)]
    kinds, batches = handcrafted_batches(attackers[:3])
    threads = [threading.Thread(target=lambda a=a, b=b: [a.attack(*item) for item in b])
               for a, b in zip(attackers, batches)]
    for thread in threads:
        thread.start()

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(BAD_EVENTS)
    def generated(item):
        attackers[3].attack(*item)

    generated()
    for thread in threads:
        thread.join(timeout=120)
    flood = Attacker(soak_server.url)
    for _ in range(60):
        flood.client.sio.emit("image", face_jpeg())
    limited, deadline = [], time.monotonic() + 10
    while not limited and time.monotonic() < deadline:  # the flood is being refused
        time.sleep(0.05)
        limited += [e for e in flood.client.drain("error") if e["code"] == "rate_limited"]
    attack_ended = time.monotonic()
    good.stop.set()
    good.join(timeout=5)

    sent = sum(a.sent for a in attackers)
    answered = sum(a.answered for a in attackers)
    report = {
        "bad_inputs": sent, "answered_with_error": answered, "kinds": len(kinds) + GENERATED_KINDS + 1,
        "flood_rate_limited": len(limited),
        "good_before": good.window(attack_started - 4, attack_started),
        "good_during": good.window(attack_started, attack_ended),
        "server_alive": soak_server.proc.poll() is None,
    }
    (artifacts / "soak-bad-input.json").write_text(json.dumps(report, indent=2))
    assert sent >= 1000 and answered == sent, report
    assert limited, report
    assert report["server_alive"]
    before, during = report["good_before"], report["good_during"]
    assert during["fps"] >= 0.8 * GOOD_FPS, report
    assert during["round_trip_ms"]["p50"] <= before["round_trip_ms"]["p50"] * 2 + 50, report


def half_open(port):
    """A connection that starts a request and never finishes its headers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return sock


def handshake_only(port):
    """A WebSocket with an Engine.IO handshake that never sends the Socket.IO connect."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    return sock


def protocol_attack(url, attack):
    """A session that declares a billion attachments, or sends packets that do not parse."""
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()
    ws.send(connect_packet())
    while not ws.recv().startswith("40"):
        pass
    if attack == "attachments":
        ws.send('45999999999-["image",{"_placeholder":true,"num":0}]')
        ws.send_binary(b"\x00" * 4096)
    else:
        for packet in ("4x", '42{"not": "a list"}', "42[", "49", '461-["image"]'):
            ws.send(packet)
    ws.sock.close()


def closed_by_server(sockets, timeout=60):
    """Return how many of `sockets` the server closes within `timeout` seconds each."""
    closed = 0
    for sock in sockets:
        sock.settimeout(timeout)
        try:
            while sock.recv(4096):
                pass
            closed += 1
        except OSError:
            pass
        sock.close()
    return closed


CONNECTION_ATTACKS = {
    "40 half-open connections": lambda server: [half_open(server.port) for _ in range(40)],
    "60 handshakes that never connect": lambda server: [handshake_only(server.port)
                                                        for _ in range(60)],
    "100 sessions of protocol abuse": lambda server: [
        protocol_attack(server.url, "attachments" if i % 2 else "malformed") for i in range(100)],
}


@pytest.mark.parametrize("attack", CONNECTION_ATTACKS)
def test_connection_attacks_leave_the_good_stream_alone(soak_server, soak_log, artifacts, attack):
    good = GoodStream(soak_server.url)
    good.start()
    flowing = good.wait_flowing()  # only the stream during the attack is measured
    attack_started = time.monotonic()
    held = [sock for sock in CONNECTION_ATTACKS[attack](soak_server) if sock is not None]
    closed = closed_by_server(held)  # the server closes them (5-10 s each, a few at a time)
    time.sleep(max(0.0, attack_started + 4 - time.monotonic()))
    attack_ended = time.monotonic()
    good.stop.set()
    good.join(timeout=5)
    good.client.close()
    report = {
        "attack": attack, "held": len(held), "closed_by_server": closed,
        "good_before": good.window(flowing, attack_started),
        "good_during": good.window(attack_started, attack_ended),
        "server_alive": soak_server.proc.poll() is None,
    }
    name = attack.split(" ", 1)[1].replace(" ", "-")
    (artifacts / f"soak-{name}.json").write_text(json.dumps(report, indent=2))
    assert report["server_alive"] and closed == len(held), report
    assert report["good_during"]["fps"] >= 0.8 * GOOD_FPS, report
    assert "Traceback" not in soak_server.log(since=soak_log)


def raw_session(url, frame):
    """One Engine.IO/Socket.IO session over a raw WebSocket; `frame` decides how it ends."""
    ws = websocket.create_connection(
        url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=10)
    ws.recv()  # Engine.IO open packet
    ws.send(connect_packet())  # Socket.IO connect to "/"
    while not ws.recv().startswith("40"):
        pass
    if frame == "whole":
        ws.send('451-["image",{"_placeholder":true,"num":0}]')
        ws.send_binary(face_jpeg())
    elif frame == "half":  # the attachment never comes: a disconnect mid-frame
        ws.send('451-["image",{"_placeholder":true,"num":0}]')
    if frame == "polite":
        ws.send("41")
    ws.sock.close()  # abrupt: no WebSocket close handshake


def settled_threads(process, timeout=30):
    """Return the thread count once connection threads of earlier clients have ended."""
    deadline = time.monotonic() + timeout
    count = process.num_threads()
    while time.monotonic() < deadline:
        time.sleep(2)
        now = process.num_threads()
        if now >= count:
            return now
        count = now
    return count


def test_connect_disconnect_churn_returns_to_baseline(soak_server, artifacts):
    modes = ("whole", "half", "polite", "none")
    for i in range(50):  # warm up: first frames allocate caches that stay
        raw_session(soak_server.url, modes[i % 4])
    base_threads = settled_threads(soak_server.process)
    base_rss = soak_server.rss_mb()
    started = time.monotonic()
    for i in range(1000):
        raw_session(soak_server.url, modes[i % 4])
    churn_s = time.monotonic() - started
    deadline = time.monotonic() + 30
    while soak_server.process.num_threads() > base_threads + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)
    report = {
        "cycles": 1000, "seconds": round(churn_s, 1),
        "threads": {"baseline": base_threads, "after": soak_server.process.num_threads()},
        "rss_mb": {"baseline": round(base_rss, 1), "after": round(soak_server.rss_mb(), 1)},
    }
    (artifacts / "soak-churn.json").write_text(json.dumps(report, indent=2))
    assert report["threads"]["after"] <= base_threads + 2, report
    assert report["rss_mb"]["after"] - base_rss < 40, report
