"""Run `python process.py` (or the seed-style reference) as a child process on a free 127.0.0.1 port."""

import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import psutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
SERVER = (str(ROOT / "process.py"),)
SEED_STYLE = ("-m", "bench.seed_style")
START_TIMEOUT_S = 90


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python process.py` (or `entry`) on a loopback port, its log captured to a file."""

    def __init__(self, *args, log_dir=None, port=None, env=None, entry=SERVER):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = pathlib.Path(log_dir or tempfile.gettempdir())
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"server-{self.port}.log"
        command = [sys.executable, *entry, "--port", str(self.port), *args]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})
        self.process = psutil.Process(self.proc.pid)

    def wait_ready(self):
        """Block until /healthz answers; raise with the server log if it never does."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server did not start in {START_TIMEOUT_S}s:\n{self.log()}")

    def cpu_seconds(self):
        """Return the CPU time the server and its pipeline processes have used so far."""
        return sum(times.user + times.system for times in self._each(psutil.Process.cpu_times))

    def rss_mb(self):
        """Return the resident memory of the server and its pipeline processes, in MiB."""
        return sum(memory.rss for memory in self._each(psutil.Process.memory_info)) / 2**20

    def _each(self, measure):
        """Yield `measure` of the server and each child that is still running."""
        yield measure(self.process)
        for child in self.process.children(recursive=True):
            try:
                yield measure(child)
            except psutil.NoSuchProcess:  # a child that ended since it was listed
                continue

    def log(self):
        """Return what the server has logged so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        """Stop the server and wait for it."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()

    def __enter__(self):
        return self.wait_ready()

    def __exit__(self, *exc):
        self.stop()
