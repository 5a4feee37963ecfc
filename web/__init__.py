"""The web edge: app factory, routes, Socket.IO events, access, TLS, serving, config, command line."""

from .app import build_app, create_app, drain

__all__ = ["build_app", "create_app", "drain"]
