"""The real server for tests: bench's ServerProcess, with the log folder passed first."""

import psutil

from bench import server
from bench.server import ROOT, free_port  # noqa: F401  (re-exported for the tests)


class ServerProcess(server.ServerProcess):
    """`python process.py` on a free loopback port, logging into `log_dir`."""

    def __init__(self, log_dir, *args, env=None, port=None):
        super().__init__(*args, log_dir=log_dir, env=env, port=port)


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
