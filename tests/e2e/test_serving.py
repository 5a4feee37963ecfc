"""The server itself: production server, timeouts, security headers, health, stop on SIGTERM."""

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import psutil
import pytest
from engineio import packet
from gunicorn.config import Config
from gunicorn.workers.gthread import TConn

from harness.access_token import bearer
from web import intake
from web.pings import PingTimer

from ..bridge_harness import wait_until
from ..images import face_jpeg
from ..server_process import ROOT, ServerProcess, free_port, pipeline_children
from ..socket_client import RecordingClient


def get(url, headers=None):
    """Return (status, headers, body) of a GET, with the run's token unless `headers` say otherwise."""
    request = urllib.request.Request(url, headers=bearer(headers, url))
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_the_default_server_is_gunicorn_threads(server):
    assert "gunicorn" in server.log() and "SocketIOWorker" in server.log()
    _status, headers, _body = get(server.url + "/healthz")
    assert headers["Server"] == "gunicorn"  # no version numbers


def test_the_page_sends_security_headers(server):
    _status, headers, _body = get(server.url + "/")
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "*" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert not any(char.isdigit() for char in headers["Server"])


def test_health_tells_a_caller_without_the_token_only_that_it_is_up(server):
    # Without the token (here through a tunnel, too), counts stay private.
    _status, _headers, body = get(server.url + "/healthz", {"X-Forwarded-For": "203.0.113.9",
                                                            "Authorization": None})
    assert body.strip() == b'{"ok":true}'
    _status, _headers, body = get(server.url + "/healthz")
    assert b'"clients"' in body  # a caller with the token sees the counts


def test_a_clean_disconnect_is_quick_and_logs_no_error(server):
    client = RecordingClient(server.url)
    client.next("settings")
    started = time.monotonic()
    client.sio.disconnect()  # Werkzeug's server took 3 s here and logged a 400
    assert time.monotonic() - started < 1.5
    assert "Bad request syntax" not in server.log()


def test_half_open_connections_are_dropped(server):
    # Forty connections that never finish a request: a good client is still served, and the
    # server closes them all (each 5 s after it connected: no thread waits on them).
    sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=30) for _ in range(40)]
    for index, sock in enumerate(sockets):
        if index % 2:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never end
    good = RecordingClient(server.url)
    good.next("settings")
    good.send(face_jpeg())
    good.next("response_back")
    good.close()
    assert all(_closed(sock, timeout=60) for sock in sockets)
    for sock in sockets:
        sock.close()


def test_unauthenticated_connections_are_closed_and_threads_stay_bounded(artifacts):
    server = ServerProcess(artifacts, "--public").wait_ready()
    try:
        refused = [_engineio_only(server.url) for _ in range(60)]
        worker = _worker(server)
        # An open WebSocket costs three threads in threading mode (the Socket.IO pool's, its
        # reader and its writer) and Engine.IO's ping timer one more; nothing else grows.
        threads = worker.num_threads()
        assert threads <= 4 * len(refused) + 80, threads
        # The handshake timeout is 10 s: the first waits that long, the others are closed by then.
        assert all(_closed(sock, timeout=20) for sock in refused)
    finally:
        server.stop()


def _engineio_only(url):
    """Open a WebSocket with an Engine.IO handshake and never send the Socket.IO connect."""
    host, port = url.split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    sock.sendall(("GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


def _closed(sock, timeout=5):
    """Tell whether the server closes `sock` within `timeout` (reading what it sent until EOF)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except OSError:
        return False


def _worker(server):
    """gunicorn's worker: the master's child that holds the Socket.IO sessions."""
    return next(child for child in server.process.children() if "spawn_main" not in
                " ".join(child.cmdline()))


def test_gunicorn_process_app_works_with_the_shipped_settings(artifacts, tmp_path):
    port = free_port()
    log = open(artifacts / f"gunicorn-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "process:app"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_up(url, proc)
        client = RecordingClient(url)
        client.next("settings")
        client.send(face_jpeg())
        client.next("response_back", timeout=30)
        client.close()
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
        log.close()


def _wait_up(url, proc, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            get(url + "/healthz")
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("gunicorn did not start")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_tells_streaming_clients_and_exits_cleanly(artifacts, stop):
    server = ServerProcess(artifacts, "--workers", "2").wait_ready()
    clients = [RecordingClient(server.url) for _ in range(3)]
    running = threading.Event()
    running.set()

    def stream(client):
        jpeg = face_jpeg()
        while running.is_set():
            try:
                client.sio.emit("image", jpeg)
                client.next("response_back", timeout=5)
            except Exception:  # the server went away or the frame was dropped: stop or retry
                if not client.sio.connected:
                    return

    threads = [threading.Thread(target=stream, args=(c,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    wait_until(lambda: all(c.counts["response_back"] >= 2 for c in clients), timeout=30,
               what="every client streaming")
    family = [server.process, *server.process.children(recursive=True)]
    assert len(pipeline_children(server)) == 2
    started = time.monotonic()
    server.proc.send_signal(stop)
    code = server.proc.wait(timeout=15)
    took = time.monotonic() - started
    running.clear()
    assert code == 0
    assert took < 5, took
    for client in clients:
        notices = client.drain("error")
        assert any(n.get("code") == "server_stopping" for n in notices), notices
        wait_until(lambda c=client: not c.sio.connected, timeout=10, what="the client told to leave")

    def left():
        return [p for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]

    deadline = time.monotonic() + 0.5
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left(), [p.cmdline() for p in left()]
    server.stop()


class _Session:
    """What PingTimer uses of an Engine.IO session."""

    def __init__(self, closed=False):
        self.sid, self.last_ping, self.closing, self.closed = "s", 1.0, False, closed
        self.sent = []

    def send(self, pkt):
        self.sent.append(pkt.packet_type)


def test_one_timer_pings_every_session_once_per_schedule():
    timer = PingTimer(0.05)
    live, closed, late = _Session(), _Session(closed=True), _Session()
    for session in (live, closed, live):  # the second schedule of `live` finds a ping on its way
        timer.schedule(session)
    wait_until(lambda: live.sent, timeout=5, what="the first ping")
    timer.schedule(late)  # the timer thread is already waiting: it must wake for this one
    wait_until(lambda: late.sent, timeout=5, what="a ping scheduled later")
    assert live.sent == [packet.PING] and closed.sent == [] and late.sent == [packet.PING]
    assert live.last_ping and late.last_ping  # the pong that answers reschedules them


def _intake_pair(max_body=100):
    """An Intake reading one end of a socket pair; the test writes to the other end."""
    ours, theirs = socket.socketpair()
    conn = TConn(Config(), ours, ("127.0.0.1", 5), ("127.0.0.1", 9990))
    return intake.Intake(conn, max_body), theirs


def test_the_intake_hands_over_a_request_only_when_it_is_whole():
    reading, client = _intake_pair()
    request = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
    for byte in request[:-1]:  # a byte at a time, head and body
        client.send(bytes([byte]))
        assert reading.advance() == intake.WAIT_READ
    client.send(request[-1:] + b"GET /next HTTP/1.1\r\nHost: a\r\n\r\n")  # and one pipelined
    assert reading.advance() == intake.READY
    reading.hand_over()
    parsed = next(reading.conn.parser)
    assert (parsed.path, parsed.body.read(10)) == ("/x", b"hello")
    following = intake.Intake(reading.conn, 100, idle_s=5)  # kept alive: the next request
    assert following.advance() == intake.READY and not following.long_lived
    following.hand_over()
    assert next(reading.conn.parser).path == "/next"


@pytest.mark.parametrize("head, status", [
    (b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", b"HTTP/1.1 413"),
    (b"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", b"HTTP/1.1 411"),
])
def test_the_intake_refuses_a_body_it_cannot_bound_before_reading_it(head, status):
    reading, client = _intake_pair()
    client.send(head)
    assert reading.advance() == intake.REFUSE and reading.refusal.startswith(status)


def test_the_intake_marks_what_holds_a_thread_while_open():
    reading, client = _intake_pair()
    client.send(b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: a\r\n\r\n")
    assert reading.advance() == intake.READY and reading.long_lived
