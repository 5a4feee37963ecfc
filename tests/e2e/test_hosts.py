"""The Host allow-list of a loopback server run --no-token: DNS rebinding is refused.

With the token (the default) the token guards instead, and a rebound page gets nothing either.
"""

import http.client

import pytest
import socketio

from web.hosts import host_name


@pytest.fixture(scope="module")
def tokenless(tokenless_server):
    return tokenless_server


def get(server, path, host, headers=None):
    """GET `path` from the server with this Host header; return (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/", "/healthz", "/socket.io/?EIO=4&transport=polling"])
def test_an_unknown_host_is_refused_on_every_route(tokenless, path):
    status, body = get(tokenless, path, "evil.example")
    assert status == 400 and b"--allow-host" in body
    assert get(tokenless, path, f"evil.example:{tokenless.port}")[0] == 400


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST.", "test.lan"])
def test_loopback_names_and_allowed_names_are_served(tokenless, host):
    assert get(tokenless, "/healthz", f"{host}:{tokenless.port}")[0] == 200


def test_with_the_token_needed_a_rebound_page_gets_nothing(server):
    # The default: no Host check, since a page on another site has no token to send.
    assert get(server, "/api/stages", "evil.example")[0] == 401
    assert get(server, "/cameras.json", "evil.example")[0] == 401


def test_a_socketio_handshake_for_an_unknown_host_is_refused(tokenless):
    # Long-polling: its requests take our Host header as given.
    sio = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(tokenless.url, headers={"Host": "rebound.example"}, transports=["polling"],
                    wait_timeout=10)
    allowed = socketio.Client(reconnection=False)
    allowed.connect(tokenless.url, headers={"Host": f"test.lan:{tokenless.port}"}, transports=["polling"],
                    wait_timeout=10)
    allowed.disconnect()


def test_a_tunnel_with_its_own_host_reaches_the_page_and_still_needs_the_token(tokenless):
    # ngrok forwards its own name in Host and adds X-Forwarded-For: the token guards instead.
    tunnelled = {"X-Forwarded-For": "203.0.113.7"}
    assert get(tokenless, "/", "demo.ngrok-free.app", tunnelled)[0] == 200
    sio = socketio.Client(reconnection=False)
    errors = []
    sio.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(tokenless.url, headers={"Host": "demo.ngrok-free.app", **tunnelled},
                    transports=["polling"], wait_timeout=10)
    assert errors[0]["data"]["code"] == "unauthorized"


def test_host_names_are_read_without_port_or_case():
    assert host_name("LocalHost:9990") == "localhost"
    assert host_name("[::1]:9990") == "[::1]"
    assert host_name("example.lan.") == "example.lan"
    assert host_name("") == ""
