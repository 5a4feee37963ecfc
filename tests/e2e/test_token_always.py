"""The token is always required (loopback included), kept across restarts, and cheap to refuse.

Real servers on 127.0.0.1. A port forward (tests/port_forward.py) plays `ssh -R` or `ngrok tcp`:
through it every client is local, which is why loopback is no proof of who connects.
"""

import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time

import pytest
import socketio
import websocket
from flask import Flask

from bridge.cameras.push import HANDSHAKE_TIMEOUT_S, MAX_CONNECTIONS
from bridge.simulator import PushCameraSimulator, load_jpegs
from harness.access_token import session_token
from web.guesses import FREE_TRIES
from web.wiring import register_blueprints

from ..bridge_harness import unique_name, wait_until
from ..images import data_url, face_jpeg
from ..media_helpers import Publisher, call
from ..port_forward import PortForward
from ..server_process import ROOT, ServerProcess, free_port
from ..socket_client import RecordingClient
from ..watch_harness import get

TOKEN = session_token()
NO_TOKEN = {"Authorization": None}


def refusal(url, auth=None, **options):
    """Try to connect; return the connect_error payload (fails if the connection is accepted)."""
    sio = socketio.Client(reconnection=False)
    errors = []
    sio.on("connect_error", errors.append)
    options.setdefault("transports", ["websocket"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(url, auth=auth, wait_timeout=10, **options)
    sio.eio.disconnect()  # the Engine.IO connection a refused connect leaves open
    return errors[0]


def guarded_routes():
    """Yield (method, path) of every route that needs the token: /api/…, /video/…, /snapshot/…, /cameras.json."""
    app = Flask("routes")
    register_blueprints(app)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/video/", "/snapshot/")) or rule.rule == "/cameras.json":
            path = rule.rule.replace("<media_id>", "0123456789abcdef").replace("<name>", "face")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, path


def printed(server, pattern):
    """Return what `pattern`'s group matched in the server's stdout (its log file), waiting for it."""
    wait_until(lambda: re.search(pattern, server.log()), timeout=30, what=pattern)
    return re.search(pattern, server.log()).group(1)


@pytest.fixture(scope="module")
def guarded(artifacts):
    """A server of this module's own (its log is read here), with the run's token."""
    server = ServerProcess(artifacts, "--workers", "1").wait_ready()
    yield server
    server.stop()


def test_through_a_port_forward_a_client_without_the_token_gets_nothing(server):
    name = unique_name()
    with Publisher(server.url, name), PortForward(server.port) as forward:
        status, item = call("POST", server.url + "/api/snapshots", {"source": name})
        assert status == 201
        # Socket.IO, both transports, with Host: localhost as a tunnelled client sends it.
        assert refusal(forward.url)["data"]["code"] == "unauthorized"
        assert refusal(forward.url, transports=["polling"],
                       headers={"Host": "localhost"})["data"]["code"] == "unauthorized"
        checked = []
        for method, path in guarded_routes():
            status, _, body = _request(forward.port, method, path.replace("face", name))
            assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized", (method, path)
            checked.append(path)
        assert {"/api/stages", "/api/media", "/api/snapshots", "/cameras.json"} <= set(checked)
        assert any(p.startswith("/video/") for p in checked) and any(p.startswith("/snapshot/")
                                                                     for p in checked)
        # The attack that was proven: a snapshot taken, an item deleted. Both refused; the item stays.
        assert _request(forward.port, "DELETE", f"/api/media/{item['id']}")[0] == 401
        assert call("GET", f"{server.url}/api/media/{item['id']}")[0] == 200
        # /healthz says it is up, and nothing more, to a caller without the token.
        status, _, body = _request(forward.port, "GET", "/healthz")
        assert status == 200 and json.loads(body) == {"ok": True}
        # With the token, the same forward works.
        client = RecordingClient(forward.url)
        assert client.next("settings")
        client.close()
        assert get(forward.url + "/api/stages")[0] == 200


def _request(port, method, path):
    """Send `method path` with Host: localhost and no token; return (status, type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps({"source": "face"}) if method == "POST" else None
        conn.request(method, path, body=body, headers={"Host": "localhost",
                                                       "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


def test_the_seed_page_gets_in_with_the_token_in_its_connect_url(server):
    # The seed page sends no auth payload; pointed at io.connect('…/?token=…') it is let in.
    seed = socketio.Client(reconnection=False)
    answers = []
    seed.on("response_back", lambda frame, *_: answers.append(frame))  # the seed reads the first
    seed.connect(f"{server.url}/?token={TOKEN}", transports=["websocket"], wait_timeout=10)
    try:
        seed.emit("image", data_url(face_jpeg()))
        wait_until(lambda: answers, what="the processed frame")
        assert answers[0].startswith("data:image/jpeg;base64,")
    finally:
        seed.disconnect()
    assert refusal(f"{server.url}/?token=wrong-{TOKEN}")["data"]["code"] == "unauthorized"


def test_the_token_survives_a_restart_and_a_new_one_replaces_it(artifacts, tmp_path):
    def start():
        return ServerProcess(artifacts, "--workers", "1", "--data-dir", str(tmp_path),
                             env={"ACCESS_TOKEN": ""}).wait_ready()

    first = start()
    try:
        token = printed(first, r"/#token=(\S+)")
    finally:
        first.stop()
    kept = tmp_path / "access-token"
    assert kept.read_text().strip() == token
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    second = start()
    try:
        assert printed(second, r"/#token=(\S+)") == token  # the saved link still works
        RecordingClient(second.url, auth={"token": token}).close()
    finally:
        second.stop()

    rotated = subprocess.run([sys.executable, "process.py", "--new-token", "--data-dir", str(tmp_path)],
                             cwd=ROOT, env={**os.environ, "ACCESS_TOKEN": ""}, capture_output=True,
                             text=True, timeout=120)
    assert rotated.returncode == 0, rotated.stderr
    new = re.search(r"/#token=(\S+)", rotated.stdout).group(1)
    assert new != token and kept.read_text().strip() == new
    assert new not in rotated.stderr  # the link goes to stdout only
    third = start()
    try:
        assert printed(third, r"/#token=(\S+)") == new
        assert refusal(third.url, {"token": token})["data"]["code"] == "unauthorized"
        RecordingClient(third.url, auth={"token": new}).close()
    finally:
        third.stop()


def test_a_new_token_is_refused_where_the_environment_gives_it(tmp_path):
    rotated = subprocess.run([sys.executable, "process.py", "--new-token", "--data-dir", str(tmp_path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rotated.returncode == 2 and "ACCESS_TOKEN" in rotated.stderr
    assert not (tmp_path / "access-token").exists()


def test_no_token_lets_a_local_client_in_and_warns_once(tokenless_server):
    server = tokenless_server
    client = RecordingClient(server.url, auth={"token": None})
    assert client.next("settings")
    client.close()
    seed = socketio.Client(reconnection=False)  # the seed page: no auth at all
    answers = []
    seed.on("response_back", lambda frame, *_: answers.append(frame))
    seed.connect(server.url, transports=["websocket"], wait_timeout=10)
    seed.emit("image", data_url(face_jpeg()))
    wait_until(lambda: answers, what="the processed frame")
    seed.disconnect()
    assert get(server.url + "/api/stages", headers=NO_TOKEN)[0] == 200
    # A tunnel that says so still needs the token, and a rebound name is refused.
    assert get(server.url + "/api/stages",
               headers={**NO_TOKEN, "X-Forwarded-For": "203.0.113.7"})[0] == 401
    assert get(server.url + "/", headers={**NO_TOKEN, "Host": "evil.example"})[0] == 400
    # Once in its whole log, from its start.
    warnings = [line for line in server.log().splitlines()
                if "WARNING" in line and "anyone who can reach port" in line]
    assert len(warnings) == 1 and "--no-token" in warnings[0]
    beyond = subprocess.run([sys.executable, "process.py", "--no-token", "--host", "0.0.0.0",
                             "--port", str(free_port())], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert beyond.returncode == 2 and "loopback only" in beyond.stderr


def test_a_pushing_camera_needs_its_key_and_idle_strangers_stay_bounded(artifacts):
    port = free_port()
    server = ServerProcess(artifacts, "--workers", "1", "--camera",
                           f"door=ws://127.0.0.1:{port}/ws").wait_ready()
    camera = None
    try:
        keyed = printed(server, r"Camera door: point the sketch at (\S+)")
        assert keyed.startswith(f"ws://127.0.0.1:{port}/ws?key=")
        for url in (f"ws://127.0.0.1:{port}/ws", f"ws://127.0.0.1:{port}/ws?key=wrong"):
            with pytest.raises(websocket.WebSocketBadStatusException) as refused:
                websocket.create_connection(url, timeout=5)
            assert refused.value.status_code == 403
        camera = PushCameraSimulator(keyed, load_jpegs(), fps=10).start()
        wait_until(lambda: get(server.url + "/snapshot/door.jpg")[0] == 200, timeout=30,
                   what="the pushed camera's first processed frame")

        threads, rss = _health(server)["threads"], server.rss_mb()
        strangers = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(200)]
        opened = time.monotonic()
        assert _health(server)["threads"] <= threads + MAX_CONNECTIONS + 2
        # A keyed camera still gets in: it takes the place of a stranger still without a key.
        second = websocket.create_connection(keyed, timeout=5)
        second.close()
        for stranger in strangers:  # each is closed by the server, within its handshake time
            stranger.settimeout(max(0.1, opened + HANDSHAKE_TIMEOUT_S + 5 - time.monotonic()))
            try:
                assert stranger.recv(1) == b""
            except ConnectionResetError:
                pass
            stranger.close()
        assert time.monotonic() - opened < HANDSHAKE_TIMEOUT_S + 5
        assert server.rss_mb() - rss < 50
        sent = camera.sent
        wait_until(lambda: camera.sent > sent + 5, what="the camera still pushing")
        assert get(server.url + "/snapshot/door.jpg")[0] == 200
        assert keyed.split("key=")[1] not in server.log().replace(keyed, "")  # printed once, never logged
    finally:
        if camera is not None:
            camera.stop()
        server.stop()


def _health(server):
    return json.loads(get(server.url + "/healthz")[2])


def test_a_lone_surrogate_token_is_refused_and_gets_no_broadcasts(guarded):
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{guarded.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
    try:
        assert ws.recv().startswith("0")
        ws.send('40{"token": "\\ud800"}')  # JSON's escape: the server decodes a lone surrogate
        answer = ws.recv()
        assert answer.startswith("44") and json.loads(answer[2:])["data"]["code"] == "unauthorized"
        watcher = RecordingClient(guarded.url)
        name = unique_name()
        with Publisher(guarded.url, name):
            wait_until(lambda: any(s["name"] == name for s in _latest(watcher)),
                       what="the sources broadcast")
        watcher.close()
        ws.settimeout(1.0)
        heard = []
        try:
            while True:
                packet = ws.recv()
                if packet == "2":
                    ws.send("3")
                heard.append(packet)
        except websocket.WebSocketTimeoutException:
            pass
        assert not [p for p in heard if p.startswith("42")], heard
    finally:
        ws.close()


def _latest(watcher):
    sources = watcher.drain("sources")
    return sources[-1] if sources else []


def test_a_flood_of_refusals_grows_the_log_by_a_bounded_amount(guarded):
    server = guarded  # this module's own: nothing else writes to its log meanwhile
    before = server.quiet_log_mark()  # earlier tests' lines are written
    started = time.monotonic()
    for i in range(200):  # 100 a second, for two seconds
        time.sleep(max(0.0, started + i / 100 - time.monotonic()))
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket", timeout=10)
        ws.recv()
        ws.send("40")
        assert "unauthorized" in ws.recv()
        ws.close()
    server.quiet_log_mark(quiet_s=1.0)  # what the flood makes it log is written
    with open(server.log_path, "rb") as log:
        grown = log.read()[before:]
    assert len(grown) < 1000, grown.decode(errors="replace")
    assert server.proc.poll() is None and get(server.url + "/healthz")[0] == 200


def test_wrong_tokens_slow_down_while_the_right_token_still_gets_in(guarded):
    with PortForward(guarded.port, source_host="127.0.0.2") as stranger:
        started = time.monotonic()
        answers = [refusal(stranger.url, {"token": f"guess-{i}"}) for i in range(FREE_TRIES + 5)]
        codes = [answer["data"]["code"] for answer in answers]
        assert codes == ["unauthorized"] * FREE_TRIES + ["too_many_tries"] * 5
        assert "try again in" in answers[FREE_TRIES]["message"]
        assert time.monotonic() - started < 15  # refused fast: nothing waits on the server
        # The same address over HTTP waits too, told for how long.
        status, _, body = get(stranger.url + "/api/media", headers={"Authorization": "Bearer x"})
        assert status == 429 and json.loads(body)["error"]["code"] == "too_many_tries"
        # The right token, from another address, gets in at once.
        began = time.monotonic()
        RecordingClient(guarded.url).close()
        assert time.monotonic() - began < 3
        # At the guessing address it is not even looked at until the wait is over; then it is.
        waiting = refusal(stranger.url, {"token": TOKEN})
        assert waiting["data"]["code"] == "too_many_tries"
        time.sleep(waiting["data"]["retry_after"] + 0.2)
        RecordingClient(stranger.url).close()


def test_the_token_never_reaches_the_log_even_in_a_request_line_that_fails(guarded):
    for line in (f"GET /video/face.mjpg?token={TOKEN}\x00 HTTP/1.1",
                 f"GET /snapshot/face.jpg?grayscale=1&token={TOKEN} HTTP/1.1 junk"):
        with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as sock:
            sock.sendall(f"{line}\r\nHost: localhost\r\n\r\n".encode("latin-1"))
            assert sock.recv(100).startswith(b"HTTP/1.1 400")
    time.sleep(0.5)
    assert [line for line in guarded.log().splitlines()
            if TOKEN in line and "#token=" not in line] == []
