"""The Host allow-list of a loopback server (no token needed): DNS rebinding is refused."""

import http.client

import pytest
import socketio

from web.hosts import host_name


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
def test_an_unknown_host_is_refused_on_every_route(server, path):
    status, body = get(server, path, "evil.example")
    assert status == 400 and b"--allow-host" in body
    assert get(server, path, f"evil.example:{server.port}")[0] == 400


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST.", "test.lan"])
def test_loopback_names_and_allowed_names_are_served(server, host):
    assert get(server, "/healthz", f"{host}:{server.port}")[0] == 200


def test_a_socketio_handshake_for_an_unknown_host_is_refused(server):
    # Long-polling: its requests take our Host header as given.
    sio = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(server.url, headers={"Host": "rebound.example"}, transports=["polling"],
                    wait_timeout=10)
    allowed = socketio.Client(reconnection=False)
    allowed.connect(server.url, headers={"Host": f"test.lan:{server.port}"}, transports=["polling"],
                    wait_timeout=10)
    allowed.disconnect()


def test_a_tunnel_with_its_own_host_reaches_the_page_and_still_needs_the_token(server):
    # ngrok forwards its own name in Host and adds X-Forwarded-For: the token guards instead.
    tunnelled = {"X-Forwarded-For": "203.0.113.7"}
    assert get(server, "/", "demo.ngrok-free.app", tunnelled)[0] == 200
    sio = socketio.Client(reconnection=False)
    errors = []
    sio.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(server.url, headers={"Host": "demo.ngrok-free.app", **tunnelled},
                    transports=["polling"], wait_timeout=10)
    assert errors[0]["data"]["code"] == "unauthorized"


def test_host_names_are_read_without_port_or_case():
    assert host_name("LocalHost:9990") == "localhost"
    assert host_name("[::1]:9990") == "[::1]"
    assert host_name("example.lan.") == "example.lan"
    assert host_name("") == ""
