'use strict';
// Show the connection state, and hints when it is stuck.

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Cannot connect, still trying',
};

/** Render state ('connecting', 'connected', 'reconnecting', 'failed') and hints into the page. */
export function showConnection(state, detail, hints) {
  const box = document.getElementById('connection');
  box.dataset.state = state;
  const suffix = detail && state !== 'connected' ? ` (${detail})` : '';
  document.getElementById('connection-text').textContent = LABELS[state] + suffix;
  const hintBox = document.getElementById('connection-hints');
  hintBox.hidden = hints.length === 0;
  hintBox.querySelector('ul').replaceChildren(...hints.map((hint) => {
    const item = document.createElement('li');
    item.textContent = hint;
    return item;
  }));
}
