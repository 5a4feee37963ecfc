"""Simulated cameras and bridges on 127.0.0.1, and checks on the processed frames that come back.

`Received` is a plain callable(payload, meta): today it hangs off the bridge's own response
stream; a Socket.IO viewer can feed the same object (`client.sio.on("response_back", received)`).
"""

import threading
import time
import uuid

from bridge.app import Bridge
from bridge.cameras import MjpegPullCamera, PushCamera
from bridge.simulator import FaultPlan, MjpegCameraSimulator, PushCameraSimulator, load_jpegs
from harness.access_token import session_token

from .images import decode, face_frame, redness, reference_lip_masks

WAIT_S = 60  # generous: other test runs share the machine's two cores


class Received:
    """Records (arrival time, payload, meta) of processed frames, and waits for them."""

    def __init__(self):
        self._cond = threading.Condition()
        self.items = []

    def __call__(self, payload, meta=None):
        with self._cond:
            self.items.append((time.monotonic(), payload, meta))
            self._cond.notify_all()

    def wait_for(self, count=1, after=0.0, timeout=WAIT_S):
        """Return the payloads of the first `count` frames that arrived after `after`."""
        def fresh():
            return [payload for at, payload, _ in self.items if at >= after]
        with self._cond:
            if not self._cond.wait_for(lambda: len(fresh()) >= count, timeout):
                raise AssertionError(f"only {len(fresh())} of {count} processed frames in {timeout} s "
                                     f"({len(self.items)} in all)")
            return fresh()[:count]


class Statuses:
    """Records the bridge's live/stale reports, and waits for one."""

    def __init__(self):
        self._cond = threading.Condition()
        self.items = []

    def __call__(self, state, message):
        with self._cond:
            self.items.append((time.monotonic(), state, message))
            self._cond.notify_all()

    def wait_for(self, state, after=0.0, timeout=WAIT_S):
        """Return the message of the first `state` report made after `after`."""
        def found():
            return [(at, message) for at, s, message in self.items if s == state and at >= after]
        with self._cond:
            if not self._cond.wait_for(found, timeout):
                raise AssertionError(f"no {state!r} report in {timeout} s: {self.items}")
            return found()[0]


def wait_until(predicate, timeout=WAIT_S, what="condition"):
    """Poll `predicate` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {timeout} s")
        time.sleep(0.05)


def assert_recoloured_face(payload):
    """The processed face photo: full size, lips clearly redder than in the original."""
    frame, out = face_frame(), decode(payload)
    assert out is not None and out.shape == frame.shape
    lips, _ = reference_lip_masks(frame)
    assert redness(out, lips) - redness(frame, lips) > 25


def unique_name(prefix="cam"):
    """A source name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Rig:
    """Starts cameras and bridges for one test and stops them all afterwards."""

    def __init__(self, server_url):
        self.server_url = server_url
        self._stops = []

    def bridge(self, source, server_url=None, **options):
        """Start a bridge on `source` (with the run's token unless `token=` says); return (bridge, received, statuses)."""
        received, statuses = Received(), Statuses()
        options.setdefault("name", unique_name())
        options.setdefault("token", session_token())
        bridge = Bridge(source, server_url or self.server_url, on_processed=received,
                        on_status=statuses, **options).start()
        self._stops.append(bridge.stop)
        return bridge, received, statuses

    def camera(self, wire, plan=None, fps=15.0, read_timeout_s=5.0, **bridge_options):
        """Start a simulated camera speaking `wire` (arduino, circuitpython or push) and its bridge.

        Return (camera, bridge, received, statuses).
        """
        plan = plan or FaultPlan()
        if wire == "push":
            source = PushCamera("ws://127.0.0.1:0/ws")
            bridge, received, statuses = self.bridge(source, **bridge_options)
            url = f"ws://127.0.0.1:{source.address[1]}/ws"
            camera = PushCameraSimulator(url, load_jpegs(), plan, fps, redial_s=0.5).start()
        else:
            camera = MjpegCameraSimulator(load_jpegs(), wire, plan, fps).start()
            source = MjpegPullCamera(camera.stream_url, read_timeout_s=read_timeout_s)
            bridge, received, statuses = self.bridge(source, **bridge_options)
        self._stops.insert(0, camera.stop)
        return camera, bridge, received, statuses

    def add_stop(self, stop):
        """Call `stop` at teardown."""
        self._stops.insert(0, stop)

    def close(self):
        """Stop everything this rig started."""
        for stop in self._stops:
            stop()

