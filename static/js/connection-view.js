'use strict';
// Show the connection state, and hints when it is stuck.

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Cannot connect',
};

/** Render state ('connecting', 'connected', 'reconnecting', 'failed') and hints into the page. */
export function showConnection(state, detail, hints) {
  const box = document.getElementById('connection');
  box.dataset.state = state;
  document.getElementById('connection-text').textContent = LABELS[state];
  const hintBox = document.getElementById('connection-hints');
  hintBox.hidden = hints.length === 0;
  const why = detail ? ` (${detail})` : '';
  hintBox.querySelector('p').textContent = `Cannot reach the server${why}; it keeps retrying. Things to check:`;
  hintBox.querySelector('ul').replaceChildren(...hints.map((hint) => {
    const item = document.createElement('li');
    item.textContent = hint;
    return item;
  }));
}
