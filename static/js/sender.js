'use strict';
// Flow control: at most one frame in flight, never faster than the chosen FPS.

const ANSWER_TIMEOUT_MS = 1500;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class FrameSender {
  constructor(sendFrame) {
    this.sendFrame = sendFrame;  // async () => boolean (false when nothing was sent)
    this.fps = 6;
    this.running = false;
    this.answer = null;
    this.lastSentAt = 0;
    this.sentAt = 0;
    this.latencyMs = 0;
  }

  setFps(fps) { this.fps = fps; }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    this.answered();
  }

  // Called when the server's answer to the frame in flight arrives.
  answered() {
    if (this.answer) {
      this.latencyMs = performance.now() - this.sentAt;
      this.answer.resolve();
      this.answer = null;
    }
  }

  async loop() {
    while (this.running) {
      const wait = this.lastSentAt + 1000 / this.fps - performance.now();
      if (wait > 0) await sleep(wait);
      if (this.answer) await Promise.race([this.answer.promise, sleep(ANSWER_TIMEOUT_MS)]);
      if (!this.running) break;
      let resolve;
      const promise = new Promise((r) => { resolve = r; });
      this.answer = { promise, resolve };
      this.lastSentAt = this.sentAt = performance.now();
      if (!(await this.sendFrame())) { this.answer = null; await sleep(100); }
    }
  }
}
