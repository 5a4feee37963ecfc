"""Connected clients, their one-slot mailboxes and the capped pool of workers that serves them."""

import logging

from pipeline import ClientError, FrameError, SettingsError
from pipeline import codec

from .session import ClientSession, Frame

log = logging.getLogger(__name__)

_STOP = object()


class StreamHub:
    """Accepts frames from the network and hands them to workers; never does CPU work itself."""

    def __init__(self, pipeline, runtime, emit, workers=2, stats_interval=1.0):
        self.pipeline = pipeline
        self.runtime = runtime
        self.emit = emit
        self.workers = workers
        self.stats_interval = stats_interval
        self.sessions = {}
        # Holds each client at most once (the mailbox guarantees it), so it is bounded
        # by the number of clients; round-robin order keeps clients fair.
        self._ready = runtime.make_queue()
        self._running = False

    def start(self):
        """Start the workers and the stats ticker."""
        self._running = True
        for _ in range(self.workers):
            self.runtime.start_task(self._work)
        self.runtime.start_task(self._tick_stats)

    def stop(self):
        """Ask the workers and the ticker to exit."""
        self._running = False
        for _ in range(self.workers):
            self._ready.put(_STOP)

    def connect(self, sid):
        """Register a new client and return its session."""
        session = ClientSession(sid)
        self.sessions[sid] = session
        return session

    def disconnect(self, sid):
        """Forget a client; a frame of its that is being processed is not answered."""
        session = self.sessions.pop(sid, None)
        if session is not None:
            session.close()

    def receive(self, sid, payload):
        """Accept a frame into the client's mailbox (cheap checks only); return the ack."""
        session = self.sessions.get(sid)
        if session is None:
            return {"error": {"code": "not_connected", "message": "connect before sending frames"}}
        try:
            codec.payload_form(payload)
            codec.check_size(payload, self.pipeline.config.limits)
        except FrameError as exc:
            return self.reject(session, exc)
        seq = session.stats.frame_received()
        if session.mailbox.put(Frame(payload, seq)):
            self._ready.put(session)
        return {"seq": seq}

    def update_settings(self, sid, changes):
        """Apply a partial settings update atomically; return the settings in force."""
        session = self.sessions[sid]
        try:
            session.settings = session.settings.updated(changes)
        except SettingsError as exc:
            answer = self.reject(session, exc)
            answer["settings"] = session.settings.as_dict()
            return answer
        return {"settings": session.settings.as_dict()}

    def reject(self, session, exc):
        """Tell a client what was wrong with its input, log it once, and return the ack."""
        session.stats.errors += 1
        log.warning("client %s: %s: %s", session.sid, exc.code, exc.message)
        self.emit("error", exc.as_event(), to=session.sid)
        return {"error": exc.as_event()}

    def _work(self):
        while True:
            session = self._ready.get()
            if session is _STOP:
                return
            frame = session.mailbox.take()
            if frame is not None and not session.closed:
                try:
                    self._process(session, frame)
                except Exception:  # a bug must not kill a worker that serves everyone
                    log.exception("client %s: frame %d failed", session.sid, frame.seq)
                    self.emit("error", {"code": "internal_error", "message": "processing failed"},
                              to=session.sid)
            if session.mailbox.finish() and not session.closed:
                self._ready.put(session)

    def _process(self, session, frame):
        try:
            result = self.runtime.run_cpu(
                self.pipeline.process, frame.payload, session.settings, session.state
            )
        except ClientError as exc:
            self.reject(session, exc)
            return
        if session.closed:
            return
        session.stats.frame_processed(result.timings)
        meta = {"seq": frame.seq, "ms": round(result.timings["total"], 2)}
        # A tuple is sent as two event arguments: the frame, then its metadata.
        self.emit("response_back", (result.payload, meta), to=session.sid)

    def _tick_stats(self):
        while self._running:
            self.runtime.sleep(self.stats_interval)
            for session in list(self.sessions.values()):
                self.emit("stats", session.stats.snapshot(session.mailbox.dropped), to=session.sid)
