"""The access token of players that cannot send a header: `?token=` is taken out before anything logs the URL."""

import logging
import re
import urllib.parse

from .request_token import ENVIRON_KEY

# Secrets a request line or header may carry: the token in a query or a header, a media key.
SECRETS = re.compile(r"(?i)((?:[?&;]|%3f|%26)(?:token|key)(?:=|%3d)|\bbearer\s+)[^\s&;'\"\\]+")
# Where gunicorn writes a request line it could not serve ("Error handling request GET /...").
SERVER_LOGGERS = ("gunicorn.error",)


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


def scrub(text: str) -> str:
    """Return `text` with every token, bearer credential and media key replaced by '…'."""
    return SECRETS.sub(r"\1…", text)


class ScrubSecrets(logging.Filter):
    """Rewrites a log record whose text carries a secret; the rest pass untouched."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def scrub_server_logs() -> None:
    """Keep secrets out of what gunicorn logs itself: it logs the raw request line of a failed request.

    That line is read before this app's middleware runs (from gunicorn's own parse), so it
    still holds `?token=` and must be cleaned where it is logged.
    """
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ScrubSecrets) for f in logger.filters):
            logger.addFilter(ScrubSecrets())
