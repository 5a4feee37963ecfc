"""Fixtures: a real server on 127.0.0.1 (threading and eventlet) and real Socket.IO clients."""

import pathlib

import pytest

from .browser import INSECURE_HOST
from .server_process import ServerProcess
from .socket_client import RecordingClient

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def artifacts():
    """A folder for server logs and screenshots a person can look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def _running_server(artifacts, *args):
    server = ServerProcess(artifacts, *args).wait_ready()
    return server


@pytest.fixture(scope="session")
def server(artifacts):
    """The server in its default (threading) mode; it also answers to the browser tests' host name."""
    server = _running_server(artifacts, "--allow-host", INSECURE_HOST)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def eventlet_server(artifacts):
    """The server in eventlet mode."""
    server = _running_server(artifacts, "--async-mode", "eventlet")
    yield server
    server.stop()


@pytest.fixture
def connect(server):
    """Return a factory of connected clients; all are disconnected after the test."""
    clients = []

    def make(url=None, **options):
        client = RecordingClient(url or server.url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(connect):
    """One connected client with its initial `settings` event consumed."""
    made = connect()
    made.next("settings")
    return made
