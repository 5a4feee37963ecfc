"""Flow control for a pipelined sender: how many frames may be in flight, learnt from round trips.

The window starts small, is capped at what the wanted rate needs (rate x the smallest round
trip, plus one), and follows TCP Vegas on the link's own round trip (send -> ack): it grows
while the acks come back at the smallest round trip seen, and shrinks as soon as they come
back later, which means frames are queueing somewhere on the way. So the rate reaches what the
link carries and no queue builds. static/js/flow.js is the same logic for the page.

The server numbers the frames it accepts (ack {"seq": n}) and answers them in order; a frame
with no answer when a later one is answered was dropped by the server's newest-frame mailbox.
"""

import collections
import math

from .flow_meters import RateMeter, WindowedMin

MIN_WINDOW = 2
# Frames the link may hold in its queue: grow below ALPHA, shrink above BETA (Vegas' alpha, beta).
ALPHA, BETA = 0.3, 1.0
# The smallest round trip is kept this long (as LEDBAT keeps its base delay), then forgotten in
# case the route changed. Before it would be, one round trip with a single frame in flight
# measures it afresh with the queue drained (as BBR's ProbeRTT does): otherwise a standing
# queue would become the new "smallest" and latency would creep up.
MIN_RTT_WINDOW_S = 60.0
PROBE_AFTER_S = 45.0


class _Flight:
    __slots__ = ("id", "sent_at", "seq", "acked", "acks_ahead")

    def __init__(self, flight_id, sent_at, acks_ahead):
        self.id, self.sent_at, self.acks_ahead = flight_id, sent_at, acks_ahead
        self.seq = None
        self.acked = False


class FlowControl:
    """Tracks frames in flight and decides whether another may go now (not thread-safe)."""

    def __init__(self, timeout_s=1.5):
        self.timeout_s = timeout_s
        self.target_fps = None  # the rate wanted; caps the window at what it needs
        self.sent = self.answered = self.dropped = self.refused = self.timeouts = 0
        self.sent_meter, self.answer_meter, self.drop_meter = RateMeter(), RateMeter(), RateMeter()
        self._next_id = 0  # never reset: an ack from an old connection must not match a new frame
        self.reset()

    def reset(self):
        """Start over, as after a reconnect: nothing in flight, a small window, fresh minimums."""
        self.flights = collections.OrderedDict()
        self.window = float(MIN_WINDOW)
        self.slow_start = True
        self.min_ack_rtt = WindowedMin(MIN_RTT_WINDOW_S)
        self.min_latency = WindowedMin(MIN_RTT_WINDOW_S)
        self.latency = None  # smoothed send -> processed frame, seconds
        self.last_latency = None
        self._round_end = self._next_id
        self._probe_from = None  # while probing: the first frame whose ack ends the probe
        self._probed_at = None
        self._round_min = math.inf
        self._answered_seq = 0
        self._early = set()  # seqs answered before their ack arrived

    # Sending ------------------------------------------------------------------------

    @property
    def in_flight(self):
        """Frames sent and neither answered, dropped, refused nor timed out."""
        return len(self.flights)

    def cap(self, now):
        """The most frames worth having in flight at the wanted rate."""
        smallest = self.min_latency.get(now)
        if smallest is None:
            return MIN_WINDOW  # nothing answered yet: acks alone say nothing about the server
        if self.target_fps is None:
            return math.inf
        return max(MIN_WINDOW, math.ceil(self.target_fps * smallest) + 1)

    def can_send(self, now):
        """True if the window has room (expiring frames that waited too long)."""
        self.expire(now)
        if (self._probe_from is None and self.min_ack_rtt.age(now) > PROBE_AFTER_S
                and (self._probed_at is None or now - self._probed_at > PROBE_AFTER_S)):
            self._probe_from, self._probed_at = self._next_id, now
        return len(self.flights) < (1 if self._probe_from is not None else int(self.window))

    def on_sent(self, now):
        """Record a frame just sent; return its id for on_ack/on_refused."""
        acks_ahead = sum(1 for f in self.flights.values() if not f.acked)
        flight = _Flight(self._next_id, now, acks_ahead + 1)
        self.flights[flight.id] = flight
        self._next_id += 1
        self.sent += 1
        self.sent_meter.tick(now)
        return flight.id

    # What the server said -----------------------------------------------------------

    def on_refused(self, flight_id):
        """The server refused the frame (its ack carried an error)."""
        if self.flights.pop(flight_id, None) is not None:
            self.refused += 1

    def on_ack(self, flight_id, seq, now):
        """The server accepted the frame as `seq`: a sample of the link's own round trip."""
        flight = self.flights.get(flight_id)
        if flight is None:
            return
        flight.seq, flight.acked = seq, True
        if self._probe_from is None:
            self._adjust(flight, now - flight.sent_at, now)
        elif flight.id >= self._probe_from:
            self._probe_from = None  # sent alone into a drained link: a clean sample
            self.min_ack_rtt.add(now, now - flight.sent_at)
        if seq is not None and seq <= self._answered_seq:
            # Its answer came before its ack, or a later frame was answered already.
            self._settle(flight, now, answered=seq in self._early)
            self._early.discard(seq)

    def on_answer(self, seq, now):
        """The processed frame `seq` came back; return its latency in seconds (None if unknown)."""
        self._answered_seq = max(self._answered_seq, seq)
        latency = None
        for flight in list(self.flights.values()):
            if flight.seq is None:
                continue
            if flight.seq == seq:
                latency = self._settle(flight, now, answered=True)
            elif flight.seq < seq:
                self._settle(flight, now, answered=False)
        if latency is None and any(f.seq is None for f in self.flights.values()):
            self._early.add(seq)
        return latency

    def expire(self, now):
        """Give up on frames unanswered for too long, and start again from a small window."""
        limit = max(self.timeout_s, 3 * (self.latency or 0.0))
        stale = [f for f in self.flights.values() if now - f.sent_at > limit]
        for flight in stale:
            del self.flights[flight.id]
            self.timeouts += 1
        if stale:
            # A stall: whatever was learnt about the queue is stale; no burst afterwards.
            self.window, self.slow_start = float(MIN_WINDOW), True
            self._round_end, self._round_min = self._next_id, math.inf
        return len(stale)

    # Telemetry ------------------------------------------------------------------------

    def rtt(self, now):
        """The smallest recent round trip to the processed frame (seconds), or None."""
        return self.min_latency.get(now)

    def limit(self, now):
        """What holds the rate below the wanted one: None, 'link' or 'server'."""
        if self.target_fps is None:
            return None
        delivered = self.answer_meter.rate(now)
        if delivered >= 0.9 * self.target_fps:
            return None
        if self.drop_meter.rate(now) > 0.1 * max(self.sent_meter.rate(now), 1e-9):
            return "server"
        return "link" if self.sent_meter.rate(now) < 0.9 * self.target_fps else "server"

    # Internals --------------------------------------------------------------------------

    def _settle(self, flight, now, answered):
        del self.flights[flight.id]
        if not answered:
            self.dropped += 1
            self.drop_meter.tick(now)
            return None
        self.answered += 1
        self.answer_meter.tick(now)
        latency = now - flight.sent_at
        self.min_latency.add(now, latency)
        self.last_latency = latency
        self.latency = latency if self.latency is None else 0.875 * self.latency + 0.125 * latency
        return latency

    def _adjust(self, flight, sample, now):
        """Vegas: once a round, compare the round's best ack time with the smallest one."""
        self.min_ack_rtt.add(now, sample)
        self._round_min = min(self._round_min, sample)
        smallest = self.min_ack_rtt.get(now)
        queued = flight.acks_ahead * (1 - smallest / self._round_min) if self._round_min else 0.0
        if self.slow_start and queued > ALPHA:
            self.slow_start = False
        if self.slow_start:
            self.window += 1  # per ack: doubles each round trip, up to the cap
        elif flight.id >= self._round_end:
            if queued < ALPHA:
                self.window += 1
            elif queued > BETA:
                self.window -= 1
        if flight.id >= self._round_end:
            self._round_end, self._round_min = self._next_id, math.inf
        self.window = min(max(self.window, MIN_WINDOW), max(self.cap(now), MIN_WINDOW))
