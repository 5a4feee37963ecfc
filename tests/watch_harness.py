"""MJPEG viewers for the tests, read with the bridge's own parser, and a server run by `gunicorn process:app`."""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import psutil

from harness import server as bench_server
from harness.access_token import bearer, session_token
from harness.mjpeg_player import MjpegPlayer

from .server_process import ROOT, free_port


def get(url, headers=None, timeout=10.0):
    """Return (status, content type, body) of a plain GET, with the run's token unless `headers` say."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers=bearer(headers, url))
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


class MjpegViewer(MjpegPlayer):
    """An MJPEG player that keeps frame arrival times and the newest frame, and waits for them."""

    def __init__(self, url, headers=None, timeout=30.0):
        self.times = []
        self.latest = None
        self._cond = threading.Condition()
        super().__init__(url, headers, timeout)

    def on_frame(self, jpeg):
        with self._cond:
            if jpeg is not None:
                self.times.append(time.monotonic())
                self.latest = jpeg
            self._cond.notify_all()

    def wait_for(self, count, timeout=60.0):
        """Wait until `count` frames have arrived; return the newest."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.times) >= count or self.ended.is_set(), timeout)
            if len(self.times) < count:
                raise AssertionError(f"{len(self.times)} of {count} frames in {timeout} s")
            return self.latest

    def rate(self, start, end):
        """Frames a second that arrived between monotonic times `start` and `end`."""
        return sum(start <= t < end for t in self.times) / (end - start)


def mjpeg_frame(url, count=3):
    """Play the MJPEG stream at `url` (it must answer 200) until `count` frames; return the last."""
    viewer = MjpegViewer(url)
    try:
        assert viewer.status == 200
        return viewer.wait_for(count)
    finally:
        viewer.close()


class GunicornServer(bench_server.ServerProcess):
    """`gunicorn process:app` (gunicorn.conf.py) with its access log on, configured by environment."""

    def __init__(self, log_dir, env, *gunicorn_args):  # pylint: disable=super-init-not-called
        self.token = env.get("ACCESS_TOKEN", session_token())
        self.port = free_port()
        if "DATA_DIR" not in env:  # a data folder serves one server at a time
            self._own_data = tempfile.mkdtemp(prefix=f"gunicorn-{self.port}-data-")
            env = {**env, "DATA_DIR": self._own_data}
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
        auth = "".join(f"{k}: {v}\r\n" for k, v in bearer(url=url).items())
        self.sock.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{auth}\r\n".encode())

    def close(self):
        """Hang up."""
        self.sock.close()
