"""The real server for tests: bench's ServerProcess, with the log folder passed first."""

import psutil

from bench import server
from bench.server import ROOT, free_port  # noqa: F401  (re-exported for the tests)


class ServerProcess(server.ServerProcess):
    """`python process.py` on a free loopback port, logging into `log_dir`."""

    def __init__(self, log_dir, *args, env=None, port=None):
        super().__init__(*args, log_dir=log_dir, env=env, port=port)


def pipeline_children(server):
    """The server's pipeline processes (multiprocessing marks their command lines).

    They are grandchildren under gunicorn (master, worker, children), so the search is recursive.
    """
    found = []
    for child in server.process.children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:  # ended since it was listed
            continue
    return found
