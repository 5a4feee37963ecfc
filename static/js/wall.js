'use strict';
// The camera wall: every shared source as a live MJPEG <img>, with its state and viewers.
// Picking one opens it on the main page (/?source=NAME).

import { currentToken } from './token.js';

const REFRESH_MS = 2000;
const STALE_AFTER_S = 5;  // no frame for this long: say so, even if the sender did not
const $ = (id) => document.getElementById(id);
const token = currentToken();
const tiles = new Map();  // name -> the tile's figure

/** A URL with the token added where the server needs one (players cannot send headers). */
function withToken(path, separator) {
  return token ? `${path}${separator}token=${encodeURIComponent(token)}` : path;
}

/** The text under a tile: its state, and how many watch it over Socket.IO and over HTTP. */
function describe(source) {
  const watching = source.viewers + source.players;
  let state = 'live';
  if (source.state === 'stale') state = source.message || 'stale';
  else if (source.frames === 0) state = 'no frame yet';
  else if (source.idle_s >= STALE_AFTER_S) state = `no frame for ${Math.floor(source.idle_s)} s`;
  return { state, watching: `${watching} watching` };
}

function makeTile(name) {
  const figure = document.createElement('figure');
  figure.className = 'tile';
  figure.dataset.name = name;
  const link = document.createElement('a');
  link.href = `/?source=${encodeURIComponent(name)}` + (token ? `#token=${encodeURIComponent(token)}` : '');
  const img = document.createElement('img');
  img.alt = `Processed video of ${name}`;
  img.src = withToken(`/video/${encodeURIComponent(name)}.mjpg`, '?');
  const caption = document.createElement('figcaption');
  for (const part of ['name', 'state', 'watching']) {
    const span = document.createElement('span');
    span.className = part;
    caption.append(span);
  }
  caption.querySelector('.name').textContent = name;
  link.append(img, caption);
  figure.append(link);
  return figure;
}

function render(sources) {
  const names = new Set(sources.map((s) => s.name));
  for (const [name, tile] of tiles) {
    if (!names.has(name)) {
      tile.querySelector('img').src = '';  // closes its stream
      tile.remove();
      tiles.delete(name);
    }
  }
  for (const source of sources) {
    let tile = tiles.get(source.name);
    if (!tile) {
      tile = makeTile(source.name);
      tiles.set(source.name, tile);
      $('wall').append(tile);
    }
    const text = describe(source);
    tile.dataset.state = text.state === 'live' ? 'live' : 'stale';
    tile.querySelector('.state').textContent = text.state;
    tile.querySelector('.watching').textContent = text.watching;
  }
  showStatus('', sources.length ? '' : 'No shared sources yet.');
}

function showStatus(state, text) {
  const status = $('wall-status');
  if (state) status.dataset.state = state;
  else delete status.dataset.state;
  status.textContent = text;
  status.hidden = !text;
}

async function refresh() {
  try {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch('/cameras.json', { headers, cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) {
      showStatus('error', `${body.error.message} (${body.error.code}); open the link with #token=… the server printed.`);
      return;
    }
    render(body.sources);
  } catch (error) {
    showStatus('error', `Cannot reach the server (${error.message}); retrying.`);
  }
}

if (token) $('main-page').href = `/#token=${encodeURIComponent(token)}`;
refresh();
setInterval(refresh, REFRESH_MS);
