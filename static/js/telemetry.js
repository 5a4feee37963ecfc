'use strict';
// Telemetry: the server's `stats`, the page's round trip, and the bandwidth used up and down.

const STAGES = ['decode', 'noise', 'filter', 'lips', 'stamp', 'encode'];
const WINDOW_MS = 3000;

/** Bytes per second over the last few seconds, and the total. */
export class ByteMeter {
  constructor() { this.samples = []; this.total = 0; }

  add(bytes) {
    this.total += bytes;
    this.samples.push([performance.now(), bytes]);
  }

  perSecond(now = performance.now()) {
    while (this.samples.length && this.samples[0][0] < now - WINDOW_MS) this.samples.shift();
    const sum = this.samples.reduce((acc, [, bytes]) => acc + bytes, 0);
    return sum / (WINDOW_MS / 1000);
  }
}

function kilobytes(bytes) { return `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} kB`; }
function amount(bytes) { return bytes < 1048576 ? kilobytes(bytes) : `${(bytes / 1048576).toFixed(1)} MB`; }

export class Telemetry {
  constructor(root) {
    this.root = root;
    this.up = new ByteMeter();
    this.down = new ByteMeter();
  }

  set(key, text) {
    const cell = this.root.querySelector(`[data-stat="${key}"]`);
    if (cell) cell.textContent = text;
  }

  /** Show a `stats` event, plus what only the page knows (latency, bandwidth). */
  showStats(stats, latencyMs) {
    this.set('fps_in', stats.fps_in.toFixed(1));
    this.set('fps_out', stats.fps_out.toFixed(1));
    this.set('dropped', String(stats.dropped));
    this.set('errors', String(stats.errors));
    this.set('total_ms', `${stats.total_ms.toFixed(0)} ms`);
    for (const stage of STAGES) {
      const ms = stats.stage_ms ? stats.stage_ms[stage] : undefined;
      this.set(`stage_${stage}`, ms === undefined ? '–' : ms.toFixed(1));
    }
    this.showLatency(latencyMs);
    this.showBandwidth();
  }

  showLatency(latencyMs) { this.set('latency', latencyMs ? `${latencyMs.toFixed(0)} ms` : '–'); }

  showBandwidth() {
    this.set('up', `${kilobytes(this.up.perSecond())}/s`);
    this.set('down', `${kilobytes(this.down.perSecond())}/s`);
    this.set('total', `${amount(this.up.total)} up · ${amount(this.down.total)} down`);
  }
}
