'use strict';
// The media library page: the recordings and snapshots this browser may see, newest first, to
// play, download, and delete where it made them (its owner key says so).

import { Notice } from './notice.js';
import { ownerKey } from './owner-key.js';
import { clock, size } from './record.js';
import { currentToken, saveToken } from './token.js';

const $ = (id) => document.getElementById(id);
const PAGE = 24;
const notice = new Notice($('notice'));
let offset = 0;

/** Call the media API with the owner key and the token (where the server needs one); return the JSON answer. */
async function api(method, path) {
  const token = currentToken();
  const headers = { 'X-Owner-Key': ownerKey(), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  const response = await fetch(path, { method, headers });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(body.error ? body.error.message : `HTTP ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return body;
}

function filters() {
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  const kind = $('filter-kind').value;
  const source = $('filter-source').value.trim();
  if (kind) query.set('kind', kind);
  if (source) query.set('source', source);
  return query;
}

async function load() {
  try {
    const page = await api('GET', `/api/media?${filters()}`);
    $('media-list').replaceChildren(...page.items.map(card));
    $('media-empty').hidden = page.items.length > 0;
    $('newer').disabled = offset === 0;
    $('older').disabled = offset + page.items.length >= page.total;
    $('page-info').textContent = page.total ? `${offset + 1}–${offset + page.items.length} of ${page.total}` : '';
    notice.clear('load');
    $('token-form').hidden = true;
  } catch (error) {
    // Without the token (a link opened without #token=…) the page asks for it, as the live page does.
    $('token-form').hidden = error.status !== 401;
    notice.show('load', error.status === 401
      ? 'This server needs its access token: paste it below (it is in the link the server printed).'
      : `Could not load the library: ${error.message}`);
  }
}

function element(tag, attributes = {}, text = '') {
  const made = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => made.setAttribute(name, value));
  if (text) made.textContent = text;
  return made;
}

/** Return the card of one item: thumbnail, facts, and its buttons. */
function card(item) {
  const article = element('article', { class: 'media-item', 'data-id': item.id, 'data-status': item.status });
  const thumb = element('img', { src: item.thumbnail_url, alt: `${item.kind} of ${item.source}`, loading: 'lazy' });
  article.append(thumb, facts(item), actions(item));
  return article;
}

function facts(item) {
  const list = element('dl', { class: 'facts' });
  const recording = item.kind === 'recording' ? [
    ['Duration', clock(item.duration_s)],  // whole seconds, as the page and players count
    ['Frames', String(item.frames)],
    ['Dropped', String(item.dropped)],
  ] : [];
  const rows = [
    ['Source', item.source],
    ['Date', new Date(item.created * 1000).toLocaleString()],
    ...recording,
    ['Size', size(item.bytes)],
    ['Status', item.message ? `${item.status}: ${item.message}` : item.status],
    ['Seen by', item.private ? 'only you (your private camera)' : 'everyone'],
  ];
  for (const [name, value] of rows) {
    const row = element('div');
    row.append(element('dt', {}, name), element('dd', {}, value));
    list.append(row);
  }
  return list;
}

/** Return the item's buttons: only its maker deletes it, or stops it (anyone, if it has no maker). */
function actions(item) {
  const box = element('div', { class: 'media-actions' });
  const mine = item.maker === 'you';
  const remove = element('button', { type: 'button', class: 'delete' }, 'Delete');
  remove.addEventListener('click', () => erase(item));
  if (item.status === 'recording') {  // its file appears when it stops
    const stop = element('button', { type: 'button', class: 'stop' }, 'Stop');
    stop.addEventListener('click', () => finish(item));
    if (mine || item.maker === 'none') box.append(stop);
    if (mine) box.append(remove);
    return box;
  }
  const play = element('button', { type: 'button', class: 'play' }, item.kind === 'recording' ? 'Play' : 'View');
  play.disabled = item.status === 'broken';
  play.addEventListener('click', () => show(item));
  const download = element('a', { href: `${item.url}&download=1`, class: 'button', download: '' }, 'Download');
  box.append(play, download);
  if (mine) box.append(remove);
  return box;
}

function show(item) {
  const video = $('player-video');
  const image = $('player-image');
  video.hidden = item.kind !== 'recording';
  image.hidden = item.kind === 'recording';
  if (item.kind === 'recording') video.src = item.url;
  else image.src = item.url;
  $('player').showModal();
}

async function finish(item) {
  try {
    await api('POST', `/api/recordings/${item.id}/stop`);
    await load();
  } catch (error) {
    notice.show('stop', `Could not stop: ${error.message}`);
  }
}

/** Say what deleting `item` loses, in the words of its card. */
function loss(item) {
  const when = new Date(item.created * 1000).toLocaleString();
  if (item.kind !== 'recording') return `the snapshot of ${item.source} from ${when}`;
  return `the recording of ${item.source} from ${when} (${clock(item.duration_s)}, ${size(item.bytes || 0)})`;
}

async function erase(item) {
  if (!window.confirm(`Delete ${loss(item)}? It is gone for good.`)) return;
  try {
    await api('DELETE', `/api/media/${item.id}`);
    await load();
  } catch (error) {
    notice.show('delete', `Could not delete: ${error.message}`);
  }
}

$('player').addEventListener('close', () => { $('player-video').pause(); });
$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  saveToken($('token').value.trim());
  load();
});
$('filters').addEventListener('submit', (event) => { event.preventDefault(); offset = 0; load(); });
$('newer').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); load(); });
$('older').addEventListener('click', () => { offset += PAGE; load(); });
load();
