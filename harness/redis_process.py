"""`redis-server` as a child process on a free 127.0.0.1 port, without persistence."""

import pathlib
import shutil
import socket
import subprocess
import time

import psutil
import redis

from .server import free_port

START_S = 20


def wait_listening(port, proc, log_path, what):
    """Wait until `proc` accepts TCP connections on `port`; raise with its log if it exits."""
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited {proc.returncode}:\n{log_path.read_text()}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in {START_S} s")


class RedisProcess:
    """`redis-server` on a loopback port; stop() and start() again keep the port (not the data)."""

    def __init__(self, folder, binary=None):
        self.binary = binary or shutil.which("redis-server")
        self.folder = pathlib.Path(folder)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        """Start it and wait until it listens."""
        log_path = self.folder / f"redis-{self.port}.log"
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder), "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, log_path, "redis-server")
        return self

    def client(self):
        """A client for the caller's own checks and measurements."""
        return redis.Redis.from_url(self.url, socket_timeout=5)

    def cpu_seconds(self):
        """CPU time redis-server has used so far."""
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self):
        """Stop it and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
