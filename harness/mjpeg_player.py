"""An MJPEG player for the bench and the tests: reads /video/NAME.mjpg in a thread, with the bridge's parser."""

import http.client
import threading
import urllib.parse

from bridge.mjpeg import MjpegParser, boundary_from_content_type

from .access_token import bearer

READ_SIZE = 64 * 1024


class MjpegPlayer:
    """Asks for `url` (with the run's token, see bearer) and hands each JPEG of a stream to `on_frame`."""

    def __init__(self, url, headers=None, timeout=30.0):
        parts = urllib.parse.urlsplit(url)
        self.frames = 0
        self.ended = threading.Event()
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                          headers=bearer(headers, url))
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.body = None
        if self.status == 200:
            boundary = boundary_from_content_type(self.response.getheader("Content-Type"))
            self.parser = MjpegParser(boundary)
            threading.Thread(target=self._read, daemon=True, name="mjpeg-player").start()
        else:
            self.body = self.response.read()
            self.ended.set()

    def on_frame(self, jpeg):
        """Called in the reading thread for each whole JPEG."""

    def _read(self):
        try:
            while True:
                data = self.response.read1(READ_SIZE)
                if not data:
                    return
                for frame in self.parser.feed(data):
                    self.frames += 1
                    self.on_frame(frame)
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return  # hung up (close() from another thread leaves http.client half torn down)
        finally:
            self.ended.set()
            self.on_frame(None)

    def close(self):
        """Hang up."""
        sock = self.conn.sock
        if sock is not None:
            sock.close()
        self.conn.close()
