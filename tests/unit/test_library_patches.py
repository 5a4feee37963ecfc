"""The private API that web/library_patches.py (and the bridge's client) relies on is still there.

Each test names what it guards. When one fails after an upgrade, re-read the patch it names
against the new library source, fix the patch if needed, then update library_patches.CHECKED.
"""

import importlib.metadata
import inspect
import queue

import engineio
import pytest
import socketio
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from engineio.socket import Socket
from flask import Flask
from flask_socketio import SocketIO

from web import library_patches

RECHECK = ("re-read every patch in web/library_patches.py and bridge/socketio_client.py "
           "against the new source, then update library_patches.CHECKED")


def parameters(function):
    """Return the names of `function`'s parameters, in order."""
    return list(inspect.signature(function).parameters)


@pytest.fixture
def flask_socketio():
    """Flask-SocketIO in threading mode, as the app builds it; no network."""
    return SocketIO(Flask(__name__), async_mode="threading")


@pytest.fixture
def server(flask_socketio):
    """The python-socketio server inside it."""
    return flask_socketio.server


@pytest.mark.parametrize("package", sorted(library_patches.CHECKED))
def test_the_installed_version_is_the_one_the_patches_were_checked_against(package):
    installed = importlib.metadata.version(package)
    checked = library_patches.CHECKED[package]
    assert installed == checked, f"{package} is {installed}, checked on {checked}: {RECHECK}"


EMIT = ["self", "event", "data", "namespace", "room", "skip_sid", "callback", "to", "kwargs"]


@pytest.mark.parametrize("function, expected", [
    # send_events_whole: the one wrapper of Manager.emit, and the lock around _send_packet.
    (socketio.Manager.emit, EMIT),
    (socketio.PubSubManager.emit, EMIT),
    (socketio.Server._send_packet, ["self", "eio_sid", "pkt"]),
    # wrap_engineio_handler: python-socketio's own Engine.IO handlers, called with these.
    (socketio.Server._handle_eio_connect, ["self", "eio_sid", "environ"]),
    (socketio.Server._handle_eio_message, ["self", "eio_sid", "data"]),
    (socketio.Server._handle_eio_disconnect, ["self", "eio_sid", "reason"]),
    # queued_texts
    (socketio.Manager.eio_sid_from_sid, ["self", "sid", "namespace"]),
    # end_session
    (Socket.close, ["self", "wait", "abort", "reason"]),
    # schedule_pings_with, claim_ping, send_ping: what Socket.schedule_ping and _send_ping do.
    (Socket.schedule_ping, ["self"]),
    (Socket._send_ping, ["self"]),
    (Socket.send, ["self", "pkt"]),
    # use_websocket: the driver's WebSocket class, built with the session's handler.
    (SimpleWebSocketWSGI.__init__, ["self", "handler", "server", "kwargs"]),
    (Socket._websocket_handler, ["self", "ws"]),
    # bridge/socketio_client.py
    (engineio.Client._trigger_event, ["self", "event", "args", "kwargs"]),
    (socketio.Client._engineio_client_class, ["self"]),
], ids=lambda value: getattr(value, "__qualname__", None))
def test_a_patched_method_has_the_signature_it_was_checked_with(function, expected):
    assert parameters(function) == expected, f"{function.__qualname__} changed: {RECHECK}"


def test_python_socketio_registers_its_engineio_handlers_where_the_wrappers_find_them(server):
    handlers = server.eio.handlers
    assert handlers["connect"] == server._handle_eio_connect, RECHECK
    assert handlers["message"] == server._handle_eio_message, RECHECK
    assert handlers["disconnect"] == server._handle_eio_disconnect, RECHECK


def test_a_wrapped_handler_gets_the_one_it_replaced(flask_socketio, server):
    calls = []
    library_patches.wrap_engineio_handler(flask_socketio, "message",
                                          lambda handler, *args: calls.append((handler, args)))
    server.eio.handlers["message"]("sid", "2")
    assert calls == [(server._handle_eio_message, ("sid", "2"))]


def test_a_binary_event_waits_for_its_attachments_in_binary_packet(flask_socketio, server):
    # What the packet guard counts and drops (in_partial_event, drop_partial_event).
    server.manager.sid_from_eio_sid = lambda eio_sid, namespace: "client"  # as if connected
    server._handle_eio_message("e1", '51-["image",{"_placeholder":true,"num":0}]')
    assert library_patches.in_partial_event(flask_socketio, "e1"), RECHECK
    library_patches.drop_partial_event(flask_socketio, "e1")
    assert not library_patches.in_partial_event(flask_socketio, "e1")


def test_the_queue_manager_logs_to_its_logger_attribute(flask_socketio, server):
    marker = object()
    library_patches.quiet_queue_logs(flask_socketio, marker)
    assert server.manager._get_logger() is marker, RECHECK


def test_emits_go_through_the_one_wrapper(flask_socketio, server):
    library_patches.send_events_whole(flask_socketio)
    assert server.manager.emit.__name__ == "emit_whole"
    server.emit("stats", {"fps": 1})  # nobody connected: nothing sent, nothing raised
    assert "ignore_queue" in inspect.getsource(socketio.PubSubManager.emit), RECHECK


def test_a_session_has_what_the_ping_timer_and_the_unsent_count_read(server):
    session = Socket(server.eio, "s")
    assert session.last_ping and not session.closing and not session.closed, RECHECK
    assert library_patches.claim_ping(session) and session.last_ping is None
    assert not library_patches.claim_ping(session)  # one ping at a time
    assert isinstance(session.queue, queue.Queue) and hasattr(session.queue, "mutex"), RECHECK


def test_engineio_builds_its_websocket_from_the_driver_table(flask_socketio, server):
    assert server.eio._async["websocket"] is SimpleWebSocketWSGI, RECHECK
    upgrade = inspect.getsource(Socket._upgrade_websocket)
    assert "_async['websocket'](" in upgrade and "self._websocket_handler" in upgrade, RECHECK
    assert library_patches.use_websocket(flask_socketio, lambda sid, environ: None,
                                         max_message_size=10)
    assert issubclass(server.eio._async["websocket"], SimpleWebSocketWSGI)
    assert engineio.Server.reason.SERVER_DISCONNECT  # end_session's reason


def test_every_patch_names_why_and_what_it_relies_on():
    for name, function in inspect.getmembers(library_patches, inspect.isfunction):
        if function.__module__ == library_patches.__name__:
            assert "Relies on:" in function.__doc__, name
