'use strict';
// Pacing: never faster than the FPS slider, and never more frames in flight than the window
// (flow.js) allows. Over a far link several frames travel at once, so the slider's rate is
// reached; when the link or the server cannot carry it, the window shrinks and latency stays low.

import { FlowControl } from './flow.js';

const ANSWER_TIMEOUT_MS = 1500;
const RETRY_MS = 100;
const POLL_MS = 5;  // how often a sender held by a full window looks again

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class FrameSender {
  /** sendFrame: async (flightId) => boolean, false when nothing was sent (no camera, no connection). */
  constructor(sendFrame, fps = 6) {
    this.sendFrame = sendFrame;
    this.flow = new FlowControl(ANSWER_TIMEOUT_MS);
    this.setFps(fps);
    this.generation = 0;  // bumped by start/stop so an old loop still sleeping exits
    this.latencyMs = 0;
  }

  get running() { return this.generation % 2 === 1; }

  setFps(fps) { this.fps = fps; this.flow.targetFps = fps; }

  start() {
    if (this.running) return;
    this.generation += 1;
    this.flow.reset();
    this.loop(this.generation);
  }

  stop() {
    if (!this.running) return;
    this.generation += 1;
    this.flow.reset();
  }

  /** Forget what is in flight: a new connection numbers its frames afresh. */
  connectionChanged() { this.flow.reset(); }

  /** The server accepted frame `flightId` as `seq`. */
  acked(flightId, seq) { this.flow.onAck(flightId, seq, performance.now()); }

  /** The server refused frame `flightId`. */
  refused(flightId) { this.flow.onRefused(flightId); }

  /** The processed frame `seq` came back. */
  answered(seq) {
    const latency = this.flow.onAnswer(seq, performance.now());
    if (latency !== null) this.latencyMs = latency;
  }

  async loop(generation) {
    const live = () => this.generation === generation;
    let nextAt = performance.now();
    while (live()) {
      const wait = nextAt - performance.now();
      if (wait > 0) await sleep(wait);
      while (live() && !this.flow.canSend(performance.now())) await sleep(POLL_MS);
      if (!live()) break;
      const now = performance.now();
      const flightId = this.flow.onSent(now);
      // Keep the average at the slider's rate despite timer jitter, but never catch up in a burst.
      nextAt = Math.max(nextAt + 1000 / this.fps, now + 500 / this.fps);
      if (!(await this.sendFrame(flightId))) {
        this.flow.cancel(flightId);
        nextAt = performance.now() + RETRY_MS;
      }
    }
  }
}
