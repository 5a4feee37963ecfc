'use strict';
// The Socket.IO connection and its state: connecting, connected, reconnecting or failed.

const FAILED_AFTER_ERRORS = 3;  // consecutive failed attempts before we call it failed (it keeps trying)
const STUCK_AFTER_MS = 6000;    // when to show hints for a connection that does not come up

export const HINTS = [
  'Is the server running? Start it with `make run` (or `python process.py`) and reload.',
  'Through ngrok: open the https link in this browser, press "Visit Site" on ngrok\'s warning page, then reload.',
  'A VPN, proxy or company network can block WebSockets: try without the VPN, or on mobile data.',
];

/** Connect to the page's own server; call onState(state, detail) on every change. */
export function connect(onState) {
  const socket = window.io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,  // fall back to long polling where WebSockets are blocked
    reconnectionDelayMax: 4000,
  });
  const watch = new ConnectionWatch(onState);
  socket.on('connect', () => watch.set('connected'));
  socket.on('connect_error', (err) => watch.failedAttempt(err));
  socket.on('disconnect', (reason) => {
    watch.set('reconnecting', reason);
    // The server closed us on purpose: Socket.IO does not retry that by itself.
    if (reason === 'io server disconnect') socket.connect();
  });
  watch.set('connecting');
  return socket;
}

class ConnectionWatch {
  constructor(onState) {
    this.onState = onState;
    this.errors = 0;
    this.everConnected = false;
    this.timer = null;
  }

  set(state, detail = '') {
    clearTimeout(this.timer);
    if (state === 'connected') {
      this.errors = 0;
      this.everConnected = true;
    } else if (state !== 'failed') {
      // Stuck for a while: show the hints while retries go on.
      this.timer = setTimeout(() => this.onState(state, detail, HINTS), STUCK_AFTER_MS);
    }
    this.onState(state, detail, state === 'failed' ? HINTS : []);
  }

  failedAttempt(err) {
    this.errors += 1;
    const detail = err && err.message ? err.message : '';
    if (this.errors >= FAILED_AFTER_ERRORS) this.set('failed', detail);
    else this.set(this.everConnected ? 'reconnecting' : 'connecting', detail);
  }
}
