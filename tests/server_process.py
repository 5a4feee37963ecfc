"""The real server for tests: bench's ServerProcess, with the log folder passed first."""

import pathlib
import signal
import time

import psutil

from harness import server
from harness.server import ROOT, free_port  # noqa: F401  (re-exported for the tests)


class ServerProcess(server.ServerProcess):
    """`python process.py` on a free loopback port, logging into `log_dir`."""

    def __init__(self, log_dir, *args, env=None, port=None):
        super().__init__(*args, log_dir=log_dir, env=env, port=port)
        given = args[args.index("--data-dir") + 1] if "--data-dir" in args else self._own_data
        self.data_dir = pathlib.Path(given) if given else None  # None: $DATA_DIR's

    def log_mark(self):
        """Return where the log ends now, for `log(since=...)` on a server shared with other tests."""
        self._log.flush()
        return self.log_path.stat().st_size

    def quiet_log_mark(self, quiet_s=0.5, timeout=30):
        """Return `log_mark()` once the log has grown by nothing for `quiet_s` seconds."""
        deadline = time.monotonic() + timeout
        mark, since = self.log_mark(), time.monotonic()
        while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
            time.sleep(0.05)
            if (now := self.log_mark()) != mark:
                mark, since = now, time.monotonic()
        return mark

    def kill_9(self):
        """SIGKILL the server and every process under it at once, as a power cut would."""
        everyone = [self.process, *self.process.children(recursive=True)]
        for process in everyone:
            process.send_signal(signal.SIGKILL)
        psutil.wait_procs(everyone, timeout=10)

    def log(self, since=0):
        """Return what the server has logged so far, or since `log_mark()` returned `since`."""
        self._log.flush()
        with open(self.log_path, "rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")


class SharedServers:
    """One running server per distinct configuration, shared by every test that asks for it.

    Tests that stop, kill or restart a server, or measure one process, start their own instead.
    """

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self._running = {}

    def get(self, *args, env=None):
        """Return the running server started with `args` and `env`, starting it on first use."""
        key = (args, tuple(sorted((env or {}).items())))
        server = self._running.get(key)
        if server is None or server.proc.poll() is not None:
            server = self._running[key] = ServerProcess(self.log_dir, *args, env=env).wait_ready()
        return server

    def stop_all(self):
        """Stop every server started here."""
        for running in self._running.values():
            running.stop()
        self._running.clear()


FORK_SERVER = "multiprocessing.forkserver"


def pipeline_children(server):
    """The server's pipeline processes: the children of its multiprocessing fork server.

    They are forked by the fork server (a child of gunicorn's worker), so they carry its
    command line; the fork server itself is the one whose parent is not a fork server.
    """
    found = []
    for child in server.process.children(recursive=True):
        try:
            if FORK_SERVER in " ".join(child.cmdline()) and \
                    FORK_SERVER in " ".join(child.parent().cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, AttributeError):  # ended since it was listed
            continue
    return found
