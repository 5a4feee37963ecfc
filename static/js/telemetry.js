'use strict';
// Telemetry: the server's `stats`, the page's round trip and frames in flight, what limits the
// rate (the link or the server), and the bandwidth used up and down.

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
    this.steps = [];  // what the server times per frame: decode, each stage, encode
  }

  /** Make the per-stage table a row per step: decode, the stages in running order, encode. */
  useStages(description, table) {
    this.steps = ['decode', ...description.stages.map((stage) => stage.name), 'encode'];
    const rows = this.steps.map((step) => {
      const row = document.createElement('tr');
      const name = document.createElement('th');
      name.scope = 'row';
      name.textContent = step;
      const cell = document.createElement('td');
      cell.dataset.stat = `stage_${step}`;
      cell.textContent = '–';
      row.append(name, cell);
      return row;
    });
    table.tBodies[0].replaceChildren(...rows);
  }

  set(key, text) {
    const cell = this.root.querySelector(`[data-stat="${key}"]`);
    if (cell) cell.textContent = text;
  }

  /** Show a `stats` event, plus what only the page knows (round trip, flow, bandwidth). */
  showStats(stats, sender) {
    this.set('fps_in', stats.fps_in.toFixed(1));
    this.set('fps_out', stats.fps_out.toFixed(1));
    this.set('dropped', String(stats.dropped));
    this.set('errors', String(stats.errors));
    this.set('total_ms', `${stats.total_ms.toFixed(0)} ms`);
    for (const step of this.steps) {
      const ms = stats.stage_ms ? stats.stage_ms[step] : undefined;
      this.set(`stage_${step}`, ms === undefined ? '–' : ms.toFixed(1));
    }
    this.showFlow(sender);
    this.showBandwidth();
  }

  /** Round trip (latest, and the smallest lately), frames in flight, and what limits the rate. */
  showFlow(sender) {
    const now = performance.now();
    const flow = sender.flow;
    const smallest = flow.rtt(now);
    const latest = sender.latencyMs ? `${sender.latencyMs.toFixed(0)} ms` : '–';
    this.set('latency', smallest === null ? latest : `${latest} (min ${smallest.toFixed(0)})`);
    this.set('in_flight', `${flow.inFlight} of ${Math.floor(flow.window)}`);
    // A moving average overshoots a little as answers bunch up; it never reads above the slider.
    const delivered = Math.min(flow.answerMeter.rate(now), sender.fps);
    const rate = `${delivered.toFixed(delivered < 10 ? 1 : 0)} of ${sender.fps} FPS`;
    const limit = sender.running ? flow.limit(now) : null;
    this.set('limit', limit ? `${limit}-limited: ${rate}` : (sender.running ? rate : '–'));
    const cell = this.root.querySelector('[data-stat="limit"]');
    if (cell) cell.dataset.limit = limit || '';
  }

  showBandwidth() {
    this.set('up', `${kilobytes(this.up.perSecond())}/s`);
    this.set('down', `${kilobytes(this.down.perSecond())}/s`);
    this.set('total', `${amount(this.up.total)} up · ${amount(this.down.total)} down`);
  }
}
