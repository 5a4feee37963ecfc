"""Which server and async mode can process frames: refuse the rest at start-up, saying why."""

import sys


def check_async_mode(async_mode):
    """Refuse to start a combination that would ack every frame and process none.

    Under a server that monkey-patches the standard library (an eventlet or gevent worker),
    threading mode's locks, queues and pipes to the pipeline processes turn green and fail
    with BlockingIOError in the worker threads.
    """
    patched = _green_patcher()
    if async_mode == "threading" and patched:
        raise ValueError(f"threading mode cannot run under a server that {patched} "
                         "monkey-patched: use `python process.py`, or `gunicorn process:app` "
                         "with this project's gunicorn.conf.py (threads), or "
                         "`python process.py --async-mode eventlet`")


def _green_patcher():
    """Return the library that monkey-patched threads or sockets in this process, or None."""
    if "eventlet" in sys.modules:
        from eventlet import patcher

        if patcher.is_monkey_patched("thread") or patcher.is_monkey_patched("socket"):
            return "eventlet"
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("threading") or monkey.is_module_patched("socket"):
            return "gevent"
    return None


def check_served_by(app, gunicorn_config):
    """Refuse a gunicorn setup under which Socket.IO cannot work; explain what to run instead."""
    mode = app.config["STREAM"]["async_mode"]
    if mode != "threading":
        raise RuntimeError(f"async mode {mode!r} under gunicorn's threaded worker: run "
                           "`python process.py --async-mode eventlet` instead")
    if gunicorn_config.workers != 1:
        raise RuntimeError("Socket.IO keeps its sessions in one process: run gunicorn with "
                           "one worker (-w 1) and scale with --threads")
