"""The few concurrency primitives that differ between threading and eventlet mode."""

import dataclasses


def call_here(fn, *args):
    """Run `fn` in the calling thread: CPU work where the worker itself is an OS thread."""
    return fn(*args)


@dataclasses.dataclass
class Runtime:
    """How to start tasks, make queues, sleep and run CPU work for one async mode."""

    start_task: object
    make_queue: object
    sleep: object
    run_cpu: object = call_here
