'use strict';
// The Source picker: "My camera" or any live shared source (a bridge's ESP32, another browser),
// which `watch` switches to; its state (live, stale, gone) is shown beside the list.

const OWN = '';              // the option value of "My camera"
const STALE_AFTER_S = 5;     // no frame for this long: say so, even if the sender did not
const CHECK_EVERY_MS = 1000;

/** The text of one source's option: its name, state and viewer count. */
export function describeSource(source) {
  const viewers = `${source.viewers} ${source.viewers === 1 ? 'viewer' : 'viewers'}`;
  return `${source.name} (${source.state === 'stale' ? 'stale' : 'live'}, ${viewers})`;
}

export class SourcePicker {
  /** hooks.onSwitch(name): the view now shows `name`, or your own camera for null. */
  constructor(select, status, socket, hooks) {
    this.select = select;
    this.status = status;
    this.socket = socket;
    this.hooks = hooks;
    this.ownName = null;     // this page's own source name, from the server
    this.watching = null;    // the other source on view, null for your own
    this.rewatch = null;     // the source to watch again once a new connection lists it
    // The source a link asked for (/?source=NAME, as the camera wall opens one).
    this.wanted = new URLSearchParams(window.location.search).get('source');
    this.serverState = null; // the watched source's own report: {state, message}
    this.lastFrameAt = 0;
    this.timer = null;
    select.addEventListener('change', () => this.choose(select.value || null));
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', () => { this.ownName = null; });  // the next session gets a new name
    socket.on('sources', (list) => this.onSources(list));
    socket.on('source_status', (status) => this.onStatus(status));
  }

  /** Whether a frame with this meta belongs to what is on view (an old source's may trail in). */
  accepts(meta) {
    if (!meta || !meta.source) return true;
    if (this.watching) return meta.source === this.watching;
    return this.ownName === null || meta.source === this.ownName;
  }

  /** Note a frame of the watched source, for the "no frame for N s" check. */
  frameShown() {
    this.lastFrameAt = performance.now();
    if (this.watching) this.render();
  }

  /** Watch `name` (null: your own camera), as if picked from the list. */
  choose(name) {
    if (name === this.watching) return;
    this.switchTo(name);
    if (!this.socket.connected) return;  // watched again once connected
    this.socket.emit('watch', { source: name, form: 'bytes' }, (ack) => {
      if (ack && ack.error) {
        if (this.watching === name) this.leave(`${name} is not live any more — back to your camera.`);
      } else {
        this.refresh();  // the viewer counts now include us
      }
    });
  }

  switchTo(name) {
    this.watching = name;
    this.serverState = null;
    this.lastFrameAt = performance.now();
    this.select.value = name || OWN;
    clearInterval(this.timer);
    if (name) this.timer = setInterval(() => this.render(), CHECK_EVERY_MS);
    this.render();
    this.hooks.onSwitch(name);
  }

  /** Go back to your own camera because the watched source is gone. */
  leave(message) {
    this.switchTo(null);
    this.show('gone', message);
  }

  onConnect() {
    // A new connection is a new server session watching its own source: learn our name,
    // then watch the picked source again if the server still lists it.
    this.socket.emit('watch', { source: null, form: 'bytes' }, (ack) => {
      if (ack && ack.watching) this.ownName = ack.watching;
      this.socket.emit('list_sources', (list) => {
        this.rewatch = this.watching || this.wanted;
        this.wanted = null;
        this.onSources(list);
      });
    });
  }

  /** Ask the server for the list again. */
  refresh() {
    this.socket.emit('list_sources', (list) => this.onSources(list));
  }

  onSources(list) {
    const others = (Array.isArray(list) ? list : []).filter((s) => s.name !== this.ownName);
    const options = others.map((s) => new Option(describeSource(s), s.name));
    this.select.replaceChildren(new Option('My camera', OWN), ...options);
    const listed = (name) => others.some((s) => s.name === name);
    if (this.rewatch) {
      const name = this.rewatch;
      this.rewatch = null;
      this.watching = null;
      if (listed(name)) this.choose(name);
      else this.leave(`${name} left — back to your camera.`);
    } else if (this.watching && !listed(this.watching)) {
      this.leave(`${this.watching} left — back to your camera.`);
    }
    this.select.value = this.watching || OWN;
    this.select.dataset.count = String(others.length);
    if (!this.watching && !this.status.dataset.state) this.render();
  }

  onStatus(status) {
    if (!status || status.source !== this.watching) return;
    // On "gone" or "unshared" the server has already moved us back to our own source.
    if (status.state === 'gone' || status.state === 'unshared') this.drop(status.source);
    if (status.state === 'gone') this.leave(`${status.source} left — back to your camera.`);
    else if (status.state === 'unshared') {
      this.leave(`${status.source} stopped sharing — back to your camera.`);
    } else {
      this.serverState = { state: status.state, message: status.message || '' };
      this.render();
    }
  }

  /** Take a source off the list now: the server's next list can come a moment later. */
  drop(name) {
    const option = [...this.select.options].find((o) => o.value === name);
    if (!option) return;
    option.remove();
    this.select.dataset.count = String(this.select.options.length - 1);  // less "My camera"
  }

  render() {
    if (!this.watching) {
      const none = this.select.options.length <= 1;
      this.show('', none ? 'No other live sources yet.' : '');
      return;
    }
    const name = this.watching;
    const quietS = Math.floor((performance.now() - this.lastFrameAt) / 1000);
    if (this.serverState && this.serverState.state === 'stale') {
      this.show('stale', `${name}: ${this.serverState.message || 'no new frames'}`);
    } else if (quietS >= STALE_AFTER_S) {
      this.show('stale', `${name}: no frame for ${quietS} s`);
    } else {
      this.show('live', `Watching ${name}, processed with your settings.`);
    }
  }

  show(state, text) {
    if (state) this.status.dataset.state = state;
    else delete this.status.dataset.state;
    this.status.textContent = text;
    this.status.hidden = !text;
  }
}
