"""Start the real server as a subprocess on 127.0.0.1 and wait until it answers."""

import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 90


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python process.py` on a free loopback port, with its log captured to a file."""

    def __init__(self, log_dir, *args, env=None, port=None):
        self.port = port or free_port()  # a given port: a restart where the last server ran
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = pathlib.Path(log_dir) / f"server-{self.port}.log"
        command = [sys.executable, str(ROOT / "process.py"), "--port", str(self.port), *args]
        self._log = open(self.log_path, "ab")  # a restart on the same port adds to the same log
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})})

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
