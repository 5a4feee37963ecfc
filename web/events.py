"""The Socket.IO events (README, Protocol), each handed to the stream hub."""

import logging

from flask import current_app, request
from flask_socketio import emit
from socketio.exceptions import ConnectionRefusedError as ConnectionRefused

from protocol import ClientError

from .access import gatekeeper
from .request_token import given_token

log = logging.getLogger(__name__)


class HubEvents:
    """The protocol's event handlers, each handing its event to the stream hub.

    web/wiring.py registers them; the token rule is the app's Gatekeeper (web/access.py).
    """

    def __init__(self, hub):
        self.hub = hub

    def on_connect(self, auth=None):
        """Admit a client that has the token, and hand it to the stream hub."""
        # The auth payload carries secrets (token, claim): it is never logged.
        auth = auth if isinstance(auth, dict) else {}
        keeper = gatekeeper(current_app)
        try:
            keeper.admit(_token_of(auth, request.environ), request.environ)
            client = self.hub.connect(request.sid, auth.get("source"), auth.get("claim"))
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
        emit("sources", self.hub.list_sources())

    def on_disconnect(self, *_reason):
        """Forget the client."""
        self.hub.disconnect(request.sid)

    # Handlers take *args: a client may send any number of arguments, and a wrong count must
    # come back as a clear error, not a TypeError inside the server.
    def on_image(self, *args):
        return self.hub.receive(request.sid, _one(args))

    def on_settings(self, *args):
        answer = self.hub.update_settings(request.sid, _one(args))
        emit("settings", answer["settings"])
        return answer

    def on_watch(self, *args):
        return self.hub.watch(request.sid, _one(args))

    def on_share(self, *args):
        return self.hub.share(request.sid, _one(args))

    def on_list_sources(self, *_):
        return self.hub.list_sources()

    def on_source_status(self, *args):
        return self.hub.set_status(request.sid, _one(args))


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


def _one(args):
    """Return the single argument of an event; none or several become a (wrong-typed) tuple."""
    return args[0] if len(args) == 1 else args
