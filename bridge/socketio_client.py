"""A python-socketio client that handles received messages in order, so binary events arrive whole."""

import engineio
import socketio


class _InOrderEngineIO(engineio.Client):
    """Runs the message handler on the read thread instead of a new thread per message.

    python-engineio starts a thread for every message, so the two packets of a binary event
    (placeholder, then attachment) can be handled out of order, losing the frame with
    "ValueError: invalid literal for int() with base 10: b'\\xff'". Handlers must stay quick.
    """

    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class InOrderClient(socketio.Client):
    """socketio.Client whose events and acks are handled one by one, in the order received."""

    def _engineio_client_class(self):
        return _InOrderEngineIO
