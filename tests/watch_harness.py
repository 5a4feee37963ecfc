"""MJPEG viewers for the tests, read with the bridge's own parser, and a server run by `gunicorn process:app`."""

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

import psutil

from bench import server as bench_server
from bridge.mjpeg import MjpegParser, boundary_from_content_type

from .server_process import ROOT, free_port

READ_SIZE = 64 * 1024


def get(url, headers=None, timeout=10.0):
    """Return (status, content type, body) of a plain GET."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


class MjpegViewer:
    """Plays `url` in a thread like any MJPEG player, keeping frame arrival times and the newest frame."""

    def __init__(self, url, headers=None, timeout=30.0):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                          headers=headers or {})
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.times = []
        self.latest = None
        self.ended = threading.Event()
        self._cond = threading.Condition()
        if self.status == 200:
            boundary = boundary_from_content_type(self.response.getheader("Content-Type"))
            self.parser = MjpegParser(boundary)
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.response.read()
            self.ended.set()

    def _read(self):
        try:
            while True:
                data = self.response.read1(READ_SIZE)
                if not data:
                    return
                for frame in self.parser.feed(data):
                    with self._cond:
                        self.times.append(time.monotonic())
                        self.latest = frame
                        self._cond.notify_all()
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            return  # hung up (close() from the test's thread leaves http.client half torn down)
        finally:
            self.ended.set()
            with self._cond:
                self._cond.notify_all()

    def wait_for(self, count, timeout=60.0):
        """Wait until `count` frames have arrived; return the newest."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.times) >= count or self.ended.is_set(),
                                       timeout) or len(self.times) < count:
                raise AssertionError(f"{len(self.times)} of {count} frames in {timeout} s")
            return self.latest

    def rate(self, start, end):
        """Frames a second that arrived between monotonic times `start` and `end`."""
        return sum(start <= t < end for t in self.times) / (end - start)

    def close(self):
        """Hang up."""
        sock = self.conn.sock
        if sock is not None:
            sock.close()
        self.conn.close()


class GunicornServer(bench_server.ServerProcess):
    """`gunicorn process:app` (gunicorn.conf.py) with its access log on, configured by environment."""

    def __init__(self, log_dir, env, *gunicorn_args):  # pylint: disable=super-init-not-called
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self._log = open(self.log_path, "ab")
        command = [sys.executable, "-m", "gunicorn", "--access-logfile", "-", *gunicorn_args,
                   "process:app"]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PORT": str(self.port), **env})
        self.process = psutil.Process(self.proc.pid)


class StalledViewer:
    """Asks for a stream, then reads nothing: its socket's buffers fill and the server's writes block."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect((parts.hostname, parts.port))
        self.sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())

    def close(self):
        """Hang up."""
        self.sock.close()
