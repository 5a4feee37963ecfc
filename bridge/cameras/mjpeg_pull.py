"""Pull an MJPEG stream over HTTP (ESP32 CameraWebServer, CircuitPython, any IP camera)."""

import base64
import http.client
import logging
import socket
import urllib.parse

from ..backoff import Backoff
from ..camera_control import send_controls
from ..mjpeg import MjpegParser, boundary_from_content_type

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024


class StreamError(Exception):
    """The camera answered, but not with a usable stream."""


class MjpegPullCamera:
    """Reads `url` in a loop: reconnects with backoff after errors, stalls and closed streams."""

    def __init__(self, url, read_timeout_s=10.0, controls=None, control_url=None, backoff=None):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) stream URL: {url!r}")
        self.url = url
        self._parts = parts
        self.read_timeout_s = read_timeout_s
        self.controls = dict(controls or {})
        self.control_url = control_url
        self.backoff = backoff or Backoff(first=0.5, limit=10.0)
        self.connects = 0
        self.parser = None
        self._conn = None
        self._sock = None

    def __repr__(self):
        return f"MjpegPullCamera({self._safe_url()!r})"

    def open(self):
        """Nothing to check before the first connection: a camera that is down is retried."""

    def run(self, slot, stop):
        """Stream into `slot` until `stop` is set (the reader thread's body)."""
        while not stop.is_set():
            try:
                self._stream(slot, stop)
            except (OSError, http.client.HTTPException, StreamError) as exc:
                if stop.is_set():
                    break
                delay = self.backoff.next()
                log.warning("camera %s: %s; reconnecting in %.1f s",
                            self._safe_url(), exc or type(exc).__name__, delay)
                stop.wait(delay)
            finally:
                self._close_conn()

    def close(self):
        """Unblock a read in progress (called from another thread on stop)."""
        sock = self._sock
        if sock is not None:
            try:
                # Only shut the socket down: http.client objects are not safe to close from here.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def _stream(self, slot, stop):
        if self.controls and self.control_url:
            send_controls(self.control_url, self.controls)
        response = self._request()
        boundary = boundary_from_content_type(response.getheader("Content-Type"))
        self.parser = parser = MjpegParser(boundary)
        self.connects += 1
        log.info("camera %s: streaming (%s)", self._safe_url(),
                 f"boundary {boundary.decode('latin-1')}" if boundary else "no boundary: JPEG markers")
        while not stop.is_set():
            data = response.read1(READ_SIZE)
            if not data:
                raise StreamError("the camera closed the stream")
            for frame in parser.feed(data):
                slot.put(frame)
                self.backoff.reset()

    def _request(self):
        parts = self._parts
        connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                            else http.client.HTTPConnection)
        # The timeout applies to every read, so a camera that stalls is noticed and redialled.
        self._conn = conn = connection_class(parts.hostname, parts.port, timeout=self.read_timeout_s)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        headers = {"Accept": "multipart/x-mixed-replace, image/jpeg"}
        if parts.username:
            token = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode("ascii")
        conn.request("GET", path, headers=headers)
        self._sock = conn.sock  # http.client lets go of it for a stream that ends on close
        response = conn.getresponse()
        if response.status != 200:
            raise StreamError(f"HTTP {response.status} {response.reason}")
        return response

    def _close_conn(self):
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _safe_url(self):
        # Never log a password given in the URL.
        parts = self._parts
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
