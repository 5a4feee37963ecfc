"""How a request reaches the app, in one place: the WSGI layers, every blueprint, every event."""

from .access import gatekeeper
from .events import HubEvents
from .headers import add_headers
from .hosts import host_check
from .media import MediaEvents
from .query_token import hide_query_token, scrub_server_logs
from .routes import health, media_api, page, stages, vendor, video, wall
from .serving import without_websocket_compression
from .token_gate import token_gate


def wire(app, socketio, hub, library, config: dict) -> None:
    """Wrap `app` in its middleware, and register every blueprint and Socket.IO event."""
    apply_middleware(app, config)
    register_blueprints(app)
    app.after_request(add_headers)  # the security headers, on every answer a route gives
    register_events(socketio, hub, library, app.config["ACCESS_TOKEN"])


def apply_middleware(app, config: dict) -> None:
    """Wrap `app.wsgi_app` in its layers, innermost first: a request meets them bottom up."""
    # 0. Socket.IO's own, put in place by SocketIO(app) (app.make_socketio): /socket.io/ goes to
    #    Engine.IO, every other path to Flask.
    # 1. No permessage-deflate (JPEG does not shrink); outside Socket.IO's, which must not see
    #    the offer.
    app.wsgi_app = without_websocket_compression(app.wsgi_app)
    # 2. The Host allow-list: before any route or Socket.IO handshake (README, Security).
    app.wsgi_app = host_check(app.wsgi_app, config)
    # 3. The token gate guards every HTTP route; it sits outside the Host check, so that it sees
    #    the ?token= that hide_query_token, outermost, takes out.
    app.wsgi_app = token_gate(app.wsgi_app, gatekeeper(app))
    # 4. Outermost: nothing inside sees ?token= in the query string.
    app.wsgi_app = hide_query_token(app.wsgi_app)
    scrub_server_logs()  # gunicorn logs a failed request's raw line itself, before these


def register_blueprints(app) -> None:
    """Add every HTTP route to `app`: one small blueprint a module of web/routes/."""
    for module in (page, vendor, health, media_api, stages, video, wall):
        app.register_blueprint(module.blueprint)


def register_events(socketio, hub, library, token: str) -> None:
    """Register every Socket.IO event of the protocol (README, Protocol) with its handler."""
    on_hub = HubEvents(hub)
    on_media = MediaEvents(socketio, hub, library, token)
    for event, handler in (
        ("connect", on_hub.on_connect),  # the token checked, then a client of the hub
        ("disconnect", on_hub.on_disconnect),
        ("image", on_hub.on_image),
        ("settings", on_hub.on_settings),
        ("watch", on_hub.on_watch),
        ("share", on_hub.on_share),
        ("list_sources", on_hub.on_list_sources),
        ("source_status", on_hub.on_source_status),
        ("record", on_media.on_record),
        ("snapshot", on_media.on_snapshot),
    ):
        socketio.on_event(event, handler)
