'use strict';
// The server's access token: from the link's #token=… fragment (never sent to the server by the
// browser), kept for this tab so a reload or a typed-in link still works.

const KEY = 'access-token';

/** Return the token for this tab, or '' when there is none. */
export function currentToken() {
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromLink) saveToken(fromLink);
  return fromLink || readStored();
}

export function saveToken(token) {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage can be off (private mode); the token then lives only in the link.
  }
}

function readStored() {
  try {
    return sessionStorage.getItem(KEY) || '';
  } catch {
    return '';
  }
}
