"""The real server for tests: bench's ServerProcess, with the log folder passed first."""

from bench import server
from bench.server import ROOT, free_port  # noqa: F401  (re-exported for the tests)


class ServerProcess(server.ServerProcess):
    """`python process.py` on a free loopback port, logging into `log_dir`."""

    def __init__(self, log_dir, *args, env=None, port=None):
        super().__init__(*args, log_dir=log_dir, env=env, port=port)
