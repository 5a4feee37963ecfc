"""The Socket.IO events (README, Protocol), each handed to the stream hub."""

import logging

from flask import request
from flask_socketio import emit
from socketio.exceptions import ConnectionRefusedError as ConnectionRefused

from protocol import ClientError

from .access import needs_token, token_matches

log = logging.getLogger(__name__)


def register(socketio, hub, config, token):
    """Wire every event of the protocol to `hub`."""
    _register_connection(socketio, hub, config, token)
    _register_requests(socketio, hub)


def _register_connection(socketio, hub, config, token):

    @socketio.on("connect")
    def on_connect(auth=None):
        # The auth payload carries secrets (token, claim): it is never logged.
        auth = auth if isinstance(auth, dict) else {}
        try:
            if needs_token(config, request.environ) and not token_matches(token, auth):
                raise ClientError("this server needs its access token: open the link it printed "
                                  "at start-up (…/#token=…) or pass --token to the bridge",
                                  code="unauthorized")
            client = hub.connect(request.sid, auth.get("source"), auth.get("claim"))
        except ClientError as exc:
            log.warning("refused %s: %s: %s", request.sid, exc.code, exc.message)
            raise ConnectionRefused(exc.message, {"code": exc.code}) from None
        emit("settings", client.settings.as_dict())
        emit("sources", hub.list_sources())

    @socketio.on("disconnect")
    def on_disconnect(*_reason):
        hub.disconnect(request.sid)


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
