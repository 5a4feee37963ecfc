'use strict';
// The Socket.IO connection and its state: connecting, connected, reconnecting or failed,
// with hints for what to do when it is stuck.

import { currentToken } from './token.js';

const FAILED_AFTER_ERRORS = 3;  // consecutive failed attempts before we call it failed (it keeps trying)
const STUCK_AFTER_MS = 6000;    // when to show hints for a connection that does not come up
const BUSY_RETRY_MS = 5000;

export const HINTS = {
  network: [
    'Is the server running? Start it with `make run` (or `python process.py`) and reload.',
    'Through ngrok: open the https link in this browser, press "Visit Site" on ngrok\'s warning page, then reload.',
    'A VPN, proxy or company network can block WebSockets: try without the VPN, or on mobile data.',
  ],
  unauthorized: [
    'This server needs its access token. Open the link it printed at start-up (it ends in #token=…), '
      + 'add #token=… to the ngrok link, or paste the token below.',
  ],
  too_many_tries: [
    'Too many wrong tokens came from your address (everyone behind one tunnel shares it). '
      + 'This page tries again by itself when the wait is over; meanwhile check the token.',
  ],
  server_busy: ['The server has as many clients as it takes. Retrying every few seconds.'],
  closed: ['The server closed the connection (see the message above). Press Reconnect, or Start.'],
};

/** Connect to the page's own server; call onState(state, detail, cause) on every change. */
export function connect(onState) {
  const socket = window.io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,  // fall back to long polling where WebSockets are blocked
    reconnectionDelayMax: 4000,
    auth: (send) => send({ token: currentToken() }),  // read afresh on every attempt
  });
  const watch = new ConnectionWatch(onState);
  socket.on('connect', () => watch.set('connected'));
  socket.on('connect_error', (err) => onConnectError(socket, watch, err));
  socket.on('disconnect', (reason) => {
    // The server closed us on purpose (idle, shut out): Socket.IO does not retry that, nor do we.
    if (reason === 'io server disconnect') watch.set('failed', reason, 'closed');
    else watch.set('reconnecting', reason);
  });
  watch.set('connecting');
  return socket;
}

/** Reconnect by hand (a button, or Start) when no retry is under way. */
export function reconnect(socket) {
  if (!socket.connected && !socket.active) socket.connect();
}

function onConnectError(socket, watch, err) {
  const code = err && err.data ? err.data.code : null;
  if (!socket.active && code === 'server_busy') setTimeout(() => reconnect(socket), BUSY_RETRY_MS);
  if (!socket.active && code === 'too_many_tries') {
    // The server said when it will look at a token again; asking sooner only gets the same answer.
    const waitMs = 1000 * Math.max(1, Number(err.data.retry_after) || 1);
    setTimeout(() => reconnect(socket), waitMs);
  }
  // The server refused us (token, busy): Socket.IO gives up, so this is failed at once.
  if (!socket.active) watch.set('failed', err.message, HINTS[code] ? code : 'closed');
  else watch.failedAttempt(err);
}

class ConnectionWatch {
  constructor(onState) {
    this.onState = onState;
    this.errors = 0;
    this.everConnected = false;
    this.timer = null;
  }

  set(state, detail = '', cause = 'network') {
    clearTimeout(this.timer);
    if (state === 'connected') {
      this.errors = 0;
      this.everConnected = true;
      this.onState(state, '', null);
      return;
    }
    if (state !== 'failed') {
      // Stuck for a while: show the hints while retries go on.
      this.timer = setTimeout(() => this.onState(state, detail, cause), STUCK_AFTER_MS);
    }
    this.onState(state, detail, state === 'failed' ? cause : null);
  }

  failedAttempt(err) {
    this.errors += 1;
    const detail = err && err.message ? err.message : '';
    if (this.errors >= FAILED_AFTER_ERRORS) this.set('failed', detail);
    else this.set(this.everConnected ? 'reconnecting' : 'connecting', detail);
  }
}
