'use strict';
// Show the connection state, and hints (and the token box or Reconnect) when it is stuck.

import { HINTS } from './connection.js';

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Cannot connect',
};

const $ = (id) => document.getElementById(id);

/** Render a state ('connecting', 'connected', 'reconnecting', 'failed'); cause picks the hints. */
export function showConnection(state, detail, cause) {
  $('connection').dataset.state = state;
  $('connection-text').textContent = cause === 'closed' ? 'Disconnected' : LABELS[state];
  const hints = cause ? HINTS[cause] : [];
  $('connection-hints').hidden = hints.length === 0;
  $('connection-hints').dataset.cause = cause || '';
  // A refusal's own words are in the hints already; a network error's detail helps, though.
  const why = detail ? ` (${detail})` : '';
  $('connection-why').textContent = cause === 'network'
    ? `Cannot reach the server${why}; it keeps retrying. Things to check:` : 'Not connected.';
  $('connection-hints').querySelector('ul').replaceChildren(...hints.map((hint) => {
    const item = document.createElement('li');
    item.textContent = hint;
    return item;
  }));
  $('token-form').hidden = cause !== 'unauthorized' && cause !== 'too_many_tries';
  $('reconnect').hidden = cause !== 'closed';
}
