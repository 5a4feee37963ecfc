'use strict';
// Flow control: at most one frame in flight, never faster than the chosen FPS.
// The next frame goes when the answer arrives, or after a timeout, so latency cannot build up.

const ANSWER_TIMEOUT_MS = 1500;
const RETRY_MS = 100;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class FrameSender {
  /** sendFrame: async () => boolean, false when nothing was sent (no camera, no connection). */
  constructor(sendFrame, fps = 6) {
    this.sendFrame = sendFrame;
    this.fps = fps;
    this.generation = 0;  // bumped by start/stop so an old loop still sleeping exits
    this.answer = null;
    this.lastSentAt = 0;
    this.sentAt = 0;
    this.latencyMs = 0;
  }

  get running() { return this.generation % 2 === 1; }

  setFps(fps) { this.fps = fps; }

  start() {
    if (this.running) return;
    this.generation += 1;
    this.loop(this.generation);
  }

  stop() {
    if (!this.running) return;
    this.generation += 1;
    this.answered();
  }

  /** Mark the frame in flight as answered (its processed frame or its refusal came back). */
  answered() {
    if (!this.answer) return;
    this.latencyMs = performance.now() - this.sentAt;
    this.answer.resolve();
    this.answer = null;
  }

  async loop(generation) {
    const live = () => this.generation === generation;
    while (live()) {
      const wait = this.lastSentAt + 1000 / this.fps - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.answer) await Promise.race([this.answer.promise, sleep(ANSWER_TIMEOUT_MS)]);
      if (!live()) break;
      this.answer = pending();
      this.lastSentAt = this.sentAt = performance.now();
      if (!(await this.sendFrame())) {
        this.answer = null;
        await sleep(RETRY_MS);
      }
    }
  }
}

function pending() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}
