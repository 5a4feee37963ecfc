"""Fixtures: a real server on 127.0.0.1 (threading and eventlet) and real Socket.IO clients.

Every server needs its access token, and every test server gets the same one: the run's,
put in $ACCESS_TOKEN here before any server starts (harness/access_token.py). Clients present
it by default: RecordingClient in its auth, the HTTP helpers as a header, pages in #token=.
"""

import pathlib

import pytest

from harness.access_token import session_token

from .browser import INSECURE_HOST, PHONE, launch_chromium, with_token, write_y4m
from .browser_page import COUNT_SENT_FRAMES
from .images import face_frame
from .server_process import SharedServers
from .socket_client import RecordingClient

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"
TOKEN = session_token()  # now, so every server started from here on inherits it


@pytest.fixture(scope="session")
def artifacts():
    """A folder for server logs and screenshots a person can look at after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def shared_server(artifacts):
    """Return the session's server for a set of flags (and environment), started on first use.

    Tests that want the same configuration share one server (`shared_server("--max-fps", "5")`);
    a test that reads the log of a shared server reads it from its own `log_mark()` on.
    """
    servers = SharedServers(artifacts)
    yield servers.get
    servers.stop_all()


@pytest.fixture(scope="session")
def server(shared_server):
    """The server in its default (threading) mode; it also answers to the browser tests' host name."""
    return shared_server("--allow-host", INSECURE_HOST)


@pytest.fixture(scope="session")
def eventlet_server(shared_server):
    """The server in eventlet mode."""
    return shared_server("--async-mode", "eventlet")


@pytest.fixture(scope="session")
def tokenless_server(shared_server):
    """A loopback server that lets local clients in without the token (--no-token)."""
    return shared_server("--no-token", "--workers", "1", "--allow-host", INSECURE_HOST)


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


@pytest.fixture(scope="session")
def playwright():
    """Playwright for the session: its sync API can run only once at a time in a process."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright, tmp_path_factory):
    """One headless Chromium for the session; its camera plays a clip made from the face photo."""
    clip = write_y4m(tmp_path_factory.mktemp("camera") / "face.y4m", face_frame())
    chromium = launch_chromium(playwright, clip)
    yield chromium
    chromium.close()


@pytest.fixture
def open_page(browser):
    """Return a factory of pages at a viewport; uncaught errors and CSP violations fail the test.

    A page opens as from the link the server prints, with the run's `#token=`, unless the URL
    has a fragment of its own or `token=False`.
    """
    contexts, errors = [], []

    def make(url, viewport=PHONE, init_script=None, enforce_csp=False, token=True):
        # Playwright evaluates the tests' string predicates with eval, which the page's CSP
        # forbids; test_the_page_works_under_its_content_security_policy enforces it.
        context = browser.new_context(viewport=viewport, accept_downloads=True,
                                      bypass_csp=not enforce_csp)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(error))
        # The server's Content-Security-Policy must not block anything the page does.
        page.on("console", lambda message: errors.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.add_init_script(COUNT_SENT_FRAMES)
        if init_script:
            page.add_init_script(init_script)
        page.goto(with_token(url) if token else url)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"the page threw: {errors}"
