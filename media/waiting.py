"""Waiting for an event with a bound, in threads or in eventlet's green threads."""

import time

STEP_S = 0.02


def wait_for(event, seconds, sleep=None) -> bool:
    """Wait at most `seconds` for `event`; return whether it is set.

    Under eventlet a request is a green thread: it waits by sleeping (`sleep`), never by
    blocking the event loop on a threading.Event.
    """
    if sleep is None:
        return event.wait(seconds)
    deadline = time.monotonic() + seconds
    while not event.is_set() and time.monotonic() < deadline:
        sleep(STEP_S)
    return event.is_set()
