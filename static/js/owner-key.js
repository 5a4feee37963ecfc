'use strict';
// This browser's owner key (README, Recording and media): made once at random and kept in
// localStorage, sent with the page's media requests, so what this browser records or saves is
// its own. A private camera's recordings are seen only with it. The server keeps a digest.

const KEY = 'owner-key';
let current = '';

/** Return this browser's owner key, making it on first use. */
export function ownerKey() {
  if (current) return current;
  current = readStored() || makeKey();
  try {
    localStorage.setItem(KEY, current);
  } catch {
    // Storage can be off (private mode): the key then lasts as long as this page.
  }
  return current;
}

function makeKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function readStored() {
  try {
    const stored = localStorage.getItem(KEY) || '';
    return /^[A-Za-z0-9_-]{16,128}$/.test(stored) ? stored : '';
  } catch {
    return '';
  }
}
