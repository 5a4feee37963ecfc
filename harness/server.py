"""Run `python process.py` (or the seed-style reference) as a child process on a free 127.0.0.1 port."""

import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import psutil

from .access_token import VARIABLE, session_token

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
    """`python process.py` (or `entry`) on a loopback port, its log captured to a file.

    It needs the access token like any server; `token` is the one it was given (the run's, from
    harness/access_token.py, unless `env` names another; "" leaves it to the server's data folder).
    Without --data-dir (or $DATA_DIR) it gets a data folder of its own, removed when it stops:
    a data folder serves one server at a time, and others may be running from this checkout.
    """

    _own_data = None

    def __init__(self, *args, log_dir=None, port=None, env=None, entry=SERVER, cwd=ROOT):
        self.token = (env or {}).get(VARIABLE, session_token())
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir = pathlib.Path(log_dir or tempfile.gettempdir())
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"server-{self.port}.log"
        self._own_data = None
        if "--data-dir" not in args and not (env or {}).get("DATA_DIR", os.environ.get("DATA_DIR")):
            self._own_data = tempfile.mkdtemp(prefix=f"server-{self.port}-data-")
            args = (*args, "--data-dir", self._own_data)
        command = [sys.executable, *entry, "--port", str(self.port), *args]
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(command, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
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
        return sum(self.cpu_seconds_by_role().values())

    def cpu_seconds_by_role(self):
        """Return CPU seconds so far, split into the serving processes' and the pipeline's."""
        split = {"serving": 0.0, "pipeline": 0.0}
        for process, times in self._each_with(psutil.Process.cpu_times):
            split[_role(process)] += times.user + times.system
        return split

    def rss_mb(self):
        """Return the resident memory of the server and its pipeline processes, in MiB."""
        return sum(memory.rss for memory in self._each(psutil.Process.memory_info)) / 2**20

    def pss_mb(self):
        """Return the proportional set size of the server and its processes (shared pages once), MiB."""
        return sum(memory.pss for memory in self._each(psutil.Process.memory_full_info)) / 2**20

    def _each(self, measure):
        """Yield `measure` of the server and each child that is still running."""
        return (value for _, value in self._each_with(measure))

    def _each_with(self, measure):
        """Yield (process, `measure` of it) for the server and each child still running."""
        yield self.process, measure(self.process)
        for child in self.process.children(recursive=True):
            try:
                yield child, measure(child)
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
        if self._own_data is not None:
            shutil.rmtree(self._own_data, ignore_errors=True)

    def __enter__(self):
        return self.wait_ready()

    def __exit__(self, *exc):
        self.stop()


def _role(process):
    """Whether a server process is a pipeline process (or its fork server) or one that serves."""
    try:
        command = " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return "serving"
    return "pipeline" if "multiprocessing.forkserver" in command else "serving"
