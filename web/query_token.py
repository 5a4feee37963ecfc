"""The access token of players that cannot send a header: `?token=` is taken out before anything logs the URL."""

import hmac
import urllib.parse

from .access import needs_token

ENVIRON_KEY = "stream.query_token"


def hide_query_token(wsgi_app):
    """Wrap `wsgi_app` so `token=` leaves the query string and the raw request line.

    gunicorn's access log (when someone turns it on) and any error report read the URL from
    the same environ, so after this they never see the token.
    """

    def app(environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if "token=" in query:
            pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
            tokens = [value for key, value in pairs if key == "token"]
            if tokens:
                environ[ENVIRON_KEY] = tokens[0]
                kept = urllib.parse.urlencode([(k, v) for k, v in pairs if k != "token"])
                environ["QUERY_STRING"] = kept
                for key in ("RAW_URI", "REQUEST_URI"):
                    if key in environ:
                        path = environ[key].split("?", 1)[0]
                        environ[key] = f"{path}?{kept}" if kept else path
        return wsgi_app(environ, start_response)

    return app


def given_token(environ):
    """Return the token a request carries as `Authorization: Bearer` or `?token=`, or None."""
    scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return environ.get(ENVIRON_KEY)


def may_watch(config, expected, environ):
    """Tell whether this request may watch: no token needed here, or it carries the right one."""
    if not needs_token(config, environ):
        return True
    given = given_token(environ)
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
