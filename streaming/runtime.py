"""The few concurrency primitives that differ between threading and eventlet mode."""

import dataclasses
from typing import Any, Callable


def call_here(fn: Callable[..., Any], *args: Any) -> Any:
    """Run `fn` in the calling thread: CPU work where the worker itself is an OS thread."""
    return fn(*args)


@dataclasses.dataclass
class Runtime:
    """How to start tasks, make queues, sleep and run CPU work for one async mode."""

    start_task: Callable[..., object]  # (fn, *args): run fn in a background task
    make_queue: Callable[[], Any]  # a queue.Queue, or eventlet's
    sleep: Callable[[float], None]  # that yields to other tasks in eventlet mode
    run_cpu: Callable[..., Any] = call_here  # (fn, *args): fn's result, CPU work run off the loop
