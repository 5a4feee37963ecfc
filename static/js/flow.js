'use strict';
// Flow control for the pipelined sender: how many frames may be in flight, learnt from round trips.
// The same logic as bridge/flow.py (read its docstring): the window is capped at what the slider
// needs (rate x smallest round trip, plus one) and follows TCP Vegas on the send -> ack round trip,
// so it grows while acks come back at the smallest round trip and shrinks as soon as they queue.
// The server answers frames in order; one unanswered when a later one is answered was dropped.

const MIN_WINDOW = 2;
const ALPHA = 0.3;  // frames queued on the link: grow below, shrink above BETA
const BETA = 1.0;
const MIN_RTT_WINDOW_MS = 60000;
const PROBE_AFTER_MS = 45000;  // re-measure the smallest round trip with one frame alone in flight
const RATE_WINDOW_MS = 3000;

/** The smallest value seen in the last `windowMs`. */
class WindowedMin {
  constructor(windowMs) { this.windowMs = windowMs; this.points = []; }

  add(now, value) {
    while (this.points.length && this.points[this.points.length - 1][1] >= value) this.points.pop();
    this.points.push([now, value]);
  }

  age(now) { return this.points.length ? now - this.points[0][0] : 0; }

  get(now) {
    while (this.points.length && this.points[0][0] < now - this.windowMs) this.points.shift();
    return this.points.length ? this.points[0][1] : null;
  }
}

/** Events per second over the last few seconds. */
export class RateMeter {
  constructor() { this.times = []; this.first = null; }

  tick(now) { this.times.push(now); if (this.first === null) this.first = now; }

  rate(now) {
    while (this.times.length && this.times[0] < now - RATE_WINDOW_MS) this.times.shift();
    if (this.first === null) return 0;
    return this.times.length / (Math.min(RATE_WINDOW_MS, Math.max(now - this.first, 500)) / 1000);
  }
}

export class FlowControl {
  constructor(timeoutMs = 1500) {
    this.timeoutMs = timeoutMs;
    this.targetFps = null;
    this.sent = this.answered = this.dropped = this.refused = this.timeouts = 0;
    this.sentMeter = new RateMeter();
    this.answerMeter = new RateMeter();
    this.dropMeter = new RateMeter();
    this.nextId = 0;  // never reset: an ack from an old connection must not match a new frame
    this.reset();
  }

  /** Start over, as after a reconnect: nothing in flight, a small window, fresh minimums. */
  reset() {
    this.flights = new Map();
    this.window = MIN_WINDOW;
    this.slowStart = true;
    this.minAckRtt = new WindowedMin(MIN_RTT_WINDOW_MS);
    this.minLatency = new WindowedMin(MIN_RTT_WINDOW_MS);
    this.latency = null;
    this.lastLatency = null;
    this.roundEnd = this.nextId;
    this.roundMin = Infinity;
    this.answeredSeq = 0;
    this.early = new Set();
    this.probeFrom = null;
    this.probedAt = null;
  }

  get inFlight() { return this.flights.size; }

  cap(now) {
    const smallest = this.minLatency.get(now);
    if (smallest === null) return MIN_WINDOW;
    if (!this.targetFps) return Infinity;
    return Math.max(MIN_WINDOW, Math.ceil(this.targetFps * smallest / 1000) + 1);
  }

  canSend(now) {
    this.expire(now);
    if (this.probeFrom === null && this.minAckRtt.age(now) > PROBE_AFTER_MS
        && (this.probedAt === null || now - this.probedAt > PROBE_AFTER_MS)) {
      this.probeFrom = this.nextId;
      this.probedAt = now;
    }
    return this.flights.size < (this.probeFrom !== null ? 1 : Math.floor(this.window));
  }

  onSent(now) {
    let acksAhead = 1;
    for (const f of this.flights.values()) if (!f.acked) acksAhead += 1;
    const flight = { id: this.nextId, sentAt: now, seq: null, acked: false, acksAhead };
    this.flights.set(flight.id, flight);
    this.nextId += 1;
    this.sent += 1;
    this.sentMeter.tick(now);
    return flight.id;
  }

  /** Forget a frame that never left (no camera frame, no connection). */
  cancel(id) {
    if (this.flights.delete(id)) this.sent -= 1;
  }

  onRefused(id) {
    if (this.flights.delete(id)) this.refused += 1;
  }

  onAck(id, seq, now) {
    const flight = this.flights.get(id);
    if (!flight) return;
    flight.seq = seq;
    flight.acked = true;
    if (this.probeFrom === null) this.adjust(flight, now - flight.sentAt, now);
    else if (id >= this.probeFrom) {
      this.probeFrom = null;  // sent alone into a drained link: a clean sample
      this.minAckRtt.add(now, now - flight.sentAt);
    }
    if (seq !== null && seq <= this.answeredSeq) {
      this.settle(flight, now, this.early.has(seq));
      this.early.delete(seq);
    }
  }

  /** The processed frame `seq` came back; return its latency in ms (null if unknown). */
  onAnswer(seq, now) {
    this.answeredSeq = Math.max(this.answeredSeq, seq);
    let latency = null;
    let unacked = false;
    for (const flight of [...this.flights.values()]) {
      if (flight.seq === null) unacked = true;
      else if (flight.seq === seq) latency = this.settle(flight, now, true);
      else if (flight.seq < seq) this.settle(flight, now, false);
    }
    if (latency === null && unacked) this.early.add(seq);
    return latency;
  }

  expire(now) {
    const limit = Math.max(this.timeoutMs, 3 * (this.latency || 0));
    let stale = 0;
    for (const flight of [...this.flights.values()]) {
      if (now - flight.sentAt > limit) { this.flights.delete(flight.id); stale += 1; }
    }
    if (stale) {
      // A stall: whatever was learnt about the queue is stale; no burst afterwards.
      this.timeouts += stale;
      this.window = MIN_WINDOW;
      this.slowStart = true;
      this.roundEnd = this.nextId;
      this.roundMin = Infinity;
    }
    return stale;
  }

  /** The smallest recent round trip to the processed frame, in ms (null before one). */
  rtt(now) { return this.minLatency.get(now); }

  /** What holds the rate below the wanted one: null, 'link' or 'server'. */
  limit(now) {
    if (!this.targetFps) return null;
    const delivered = this.answerMeter.rate(now);
    if (delivered >= 0.9 * this.targetFps) return null;
    const sending = this.sentMeter.rate(now);
    if (this.dropMeter.rate(now) > 0.1 * Math.max(sending, 1e-9)) return 'server';
    return sending < 0.9 * this.targetFps ? 'link' : 'server';
  }

  settle(flight, now, answered) {
    this.flights.delete(flight.id);
    if (!answered) {
      this.dropped += 1;
      this.dropMeter.tick(now);
      return null;
    }
    this.answered += 1;
    this.answerMeter.tick(now);
    const latency = now - flight.sentAt;
    this.minLatency.add(now, latency);
    this.lastLatency = latency;
    this.latency = this.latency === null ? latency : 0.875 * this.latency + 0.125 * latency;
    return latency;
  }

  /** Vegas: once a round, compare the round's best ack time with the smallest one. */
  adjust(flight, sample, now) {
    this.minAckRtt.add(now, sample);
    this.roundMin = Math.min(this.roundMin, sample);
    const smallest = this.minAckRtt.get(now);
    const queued = this.roundMin ? flight.acksAhead * (1 - smallest / this.roundMin) : 0;
    if (this.slowStart && queued > ALPHA) this.slowStart = false;
    const roundOver = flight.id >= this.roundEnd;
    if (this.slowStart) this.window += 1;
    else if (roundOver && queued < ALPHA) this.window += 1;
    else if (roundOver && queued > BETA) this.window -= 1;
    if (roundOver) { this.roundEnd = this.nextId; this.roundMin = Infinity; }
    this.window = Math.min(Math.max(this.window, MIN_WINDOW), Math.max(this.cap(now), MIN_WINDOW));
  }
}
