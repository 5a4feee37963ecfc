'use strict';
// Record what this page shows on the server, and save snapshots there (README, Recording and
// media). Both go over the page's own Socket.IO connection, so its own camera can be recorded;
// both carry this browser's owner key, so what it makes is its own.

import { ownerKey } from './owner-key.js';

const STATUS_EVERY_MS = 1000;

/** Return "1:05" for 65 seconds. */
export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** Return "1.2 MB" for 1234567 bytes. */
export function size(bytes) {
  if (bytes < 1e6) return `${Math.round(bytes / 1e3)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

export class RecordControls {
  constructor({ record, status, save, hint, socket, notice, ownName }) {
    Object.assign(this, { record, status, save, hint, socket, notice, ownName });
    this.entry = null;  // the running recording, as the server last described it
    this.timer = null;
    this.picture = null;  // what the page shows, as the user calls it; null before the first frame
    record.addEventListener('click', () => (this.entry ? this.stop() : this.start()));
    save.addEventListener('click', () => this.snapshot());
    socket.on('recording', (entry) => this.finished(entry));
    socket.on('snapshot_saved', (answer) => this.saved(answer));
    socket.on('connect', () => this.render());
    socket.on('disconnect', () => { this.running(null); });
    this.render();
  }

  start() {
    this.socket.emit('record', { action: 'start', owner: ownerKey() }, (answer) => {
      if (this.refused(answer)) return;
      this.running(answer);
      this.notice.clear('media');
    });
  }

  stop() {
    this.record.disabled = true;  // until the server says the file is finished
    this.socket.emit('record', { action: 'stop', owner: ownerKey() }, (answer) => { this.refused(answer); });
  }

  poll() {
    this.socket.emit('record', { action: 'status', owner: ownerKey() }, (answer) => {
      if (answer && answer.status === 'recording') this.running(answer);
    });
  }

  running(entry) {
    this.entry = entry;
    clearInterval(this.timer);
    this.timer = entry ? setInterval(() => this.poll(), STATUS_EVERY_MS) : null;
    this.render();
  }

  finished(entry) {
    this.running(null);
    const why = entry.message ? ` (${entry.message})` : '';
    this.status.textContent = `Saved ${clock(entry.duration_s)}, ${size(entry.bytes)}, ` +
      `${entry.status}${why}.`;
    this.status.hidden = false;
    if (entry.message) this.notice.show('media', `Recording ${entry.message}`);
  }

  /** Note what the page shows now ("your camera", a source's name), or null: nothing to keep. */
  setPicture(label) {
    if (label === this.picture) return;  // called for every frame shown
    this.picture = label;
    this.render();
  }

  snapshot() {
    this.save.disabled = true;
    this.socket.emit('snapshot', { owner: ownerKey() }, (answer) => {
      if (this.refused(answer, 'Save on server')) this.save.disabled = false;
    });
  }

  saved(answer) {
    this.save.disabled = false;
    if (this.refused(answer, 'Save on server')) return;
    this.status.textContent = `Snapshot saved on the server (${size(answer.bytes)}).`;
    this.status.hidden = false;
  }

  /** Show a refusal, in the words the page uses; true if `answer` was one. */
  refused(answer, action = 'Recording') {
    if (!answer || !answer.error) return false;
    const own = this.ownName();  // the page's camera has a server-made name the user never saw
    const message = own ? answer.error.message.replaceAll(`'${own}'`, 'your camera') : answer.error.message;
    this.notice.show('media', `${action}: ${message}`);
    this.render();
    return true;
  }

  render() {
    const on = Boolean(this.entry);
    const ready = this.socket.connected && Boolean(this.picture);
    this.record.disabled = !(ready || (on && this.socket.connected));  // a running one can stop
    this.save.disabled = !ready;
    this.hint.hidden = ready || on;
    this.hint.textContent = this.socket.connected
      ? 'Record and Save on server keep the picture shown above: start your camera or pick a live source first.'
      : 'Record and Save on server need the connection to the server.';
    this.record.setAttribute('aria-pressed', String(on));
    this.record.textContent = on ? 'Stop recording' : 'Record';
    if (on) {
      this.status.hidden = false;
      this.status.textContent = `● Recording ${clock(this.entry.duration_s)}, ` +
        `${size(this.entry.bytes)}, ${this.entry.frames} frames`;
    }
    this.status.dataset.recording = String(on);
  }
}
