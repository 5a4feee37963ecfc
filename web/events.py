"""The Socket.IO events (README, Protocol), each handed to the stream hub."""

import logging

from flask import current_app, request
from flask_socketio import emit
from socketio.exceptions import ConnectionRefusedError as ConnectionRefused

from protocol import ClientError

from .access import gatekeeper
from .request_token import given_token

log = logging.getLogger(__name__)


def register(socketio, hub, _config=None, _token=None):
    """Wire every event of the protocol to `hub` (the token rule is the app's Gatekeeper)."""
    _register_connection(socketio, hub)
    _register_requests(socketio, hub)


def _register_connection(socketio, hub):

    @socketio.on("connect")
    def on_connect(auth=None):
        # The auth payload carries secrets (token, claim): it is never logged.
        auth = auth if isinstance(auth, dict) else {}
        keeper = gatekeeper(current_app)
        try:
            keeper.admit(_token_of(auth, request.environ), request.environ)
            client = hub.connect(request.sid, auth.get("source"), auth.get("claim"))
        except ClientError as exc:
            keeper.refusals.note(exc.code)
            raise ConnectionRefused(exc.message, _refusal(exc)) from None
        except Exception as exc:
            # Refused, never half-connected: a session whose connect handler raised would stay
            # in the broadcast room and receive every `sources` until the sweeper closed it.
            if keeper.refusals.note("internal_error", type(exc).__name__):
                log.error("the connect handler failed", exc_info=True)
            failed = ClientError("the server could not take this connection", code="internal_error")
            raise ConnectionRefused(failed.message, _refusal(failed)) from None
        emit("settings", client.settings.as_dict())
        emit("sources", hub.list_sources())

    @socketio.on("disconnect")
    def on_disconnect(*_reason):
        hub.disconnect(request.sid)


def _token_of(auth, environ):
    """Return the token in `auth`, else one the handshake carried (?token=, Authorization: Bearer).

    The handshake's is for clients that cannot send an auth payload, such as the seed page
    pointed at `io.connect('http://HOST:9990/?token=…')`.
    """
    return given_token(environ, auth)


def _refusal(exc):
    """Return the connect_error data of a refusal: its code, and when to retry if it has one."""
    data = {"code": exc.code}
    if getattr(exc, "retry_after", None) is not None:
        data["retry_after"] = exc.retry_after
    return data


def _register_requests(socketio, hub):
    # Handlers take *args: a client may send any number of arguments, and a wrong count must
    # come back as a clear error, not a TypeError inside the server.
    @socketio.on("image")
    def on_image(*args):
        return hub.receive(request.sid, _one(args))

    @socketio.on("settings")
    def on_settings(*args):
        answer = hub.update_settings(request.sid, _one(args))
        emit("settings", answer["settings"])
        return answer

    @socketio.on("watch")
    def on_watch(*args):
        return hub.watch(request.sid, _one(args))

    @socketio.on("share")
    def on_share(*args):
        return hub.share(request.sid, _one(args))

    @socketio.on("list_sources")
    def on_list_sources(*_):
        return hub.list_sources()

    @socketio.on("source_status")
    def on_source_status(*args):
        return hub.set_status(request.sid, _one(args))


def _one(args):
    """Return the single argument of an event; none or several become a (wrong-typed) tuple."""
    return args[0] if len(args) == 1 else args
