"""A real python-socketio client that records every event it receives, for tests."""

import collections
import queue
import threading

import pytest
import socketio

from bridge.socketio_client import InOrderClient
from harness.access_token import with_token

DEFAULT_TIMEOUT_S = 10


class RecordingClient:
    """Connects to the server and keeps each event's payloads in its own queue.

    It presents the run's access token (harness/access_token.py) in its `auth`, merged with the
    `auth` given; a test about refusals gives its own: `auth={"token": None}` sends none.
    """

    EVENTS = ("response_back", "stats", "error", "settings", "sources", "source_status")

    def __init__(self, url, ssl_verify=True, transports=("websocket",), auth=None,
                 **connect_options):
        # In order: a plain client may handle a binary event's two packets out of order.
        self.sio = InOrderClient(reconnection=False, ssl_verify=ssl_verify)
        self.queues = collections.defaultdict(queue.Queue)
        self.counts = collections.Counter()
        self._lock = threading.Lock()
        for event in self.EVENTS:
            self.sio.on(event, self._recorder(event))
        self.sio.connect(url, transports=list(transports), wait_timeout=10, auth=with_token(auth),
                         **connect_options)

    def _recorder(self, event):
        def record(*args):
            with self._lock:
                self.counts[event] += 1
            self.queues[event].put(args if len(args) > 1 else args[0])
        return record

    def send(self, payload):
        """Emit one `image` event and return the server's ack."""
        return self.sio.call("image", payload, timeout=DEFAULT_TIMEOUT_S)

    def settings(self, changes):
        """Send a `settings` update and return the server's answer."""
        return self.sio.call("settings", changes, timeout=DEFAULT_TIMEOUT_S)

    def next(self, event, timeout=DEFAULT_TIMEOUT_S):
        """Return the next payload of `event`, waiting at most `timeout` seconds."""
        return self.queues[event].get(timeout=timeout)

    def drain(self, event):
        """Return and forget every payload of `event` received so far."""
        items = []
        while True:
            try:
                items.append(self.queues[event].get_nowait())
            except queue.Empty:
                return items

    def close(self):
        """Disconnect without waiting for the socket to finish closing.

        The server sees the disconnect at once, but websocket-client then waits up to 3 s
        for a close frame the server already sent; a daemon thread absorbs that wait.
        """
        threading.Thread(target=self.sio.disconnect, daemon=True).start()


def refusal(url, auth):
    """Try to connect with `auth` (and the run's token); return the connect_error payload."""
    sio = socketio.Client(reconnection=False)
    errors = []
    sio.on("connect_error", errors.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        sio.connect(url, auth=with_token(auth), transports=["websocket"], wait_timeout=10)
    return errors[0]
