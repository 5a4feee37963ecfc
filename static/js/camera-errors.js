'use strict';
// Say what went wrong with the camera, and how to fix it, instead of leaving the page blank.

const FIXES = {
  NotAllowedError: 'Camera permission was refused. Allow the camera for this site (the icon next to '
    + 'the address, or on iPhone: Settings › Safari › Camera), then press Start again.',
  PermissionDeniedError: 'Camera permission was refused. Allow the camera for this site, then press Start again.',
  NotFoundError: 'No camera was found. Connect a camera (or enable it in the system settings) and press Start again.',
  DevicesNotFoundError: 'No camera was found. Connect a camera and press Start again.',
  NotReadableError: 'The camera is busy or blocked. Close other apps or tabs that use it '
    + '(video calls, the camera app), then press Start again.',
  TrackStartError: 'The camera is busy. Close other apps or tabs that use it, then press Start again.',
  OverconstrainedError: 'This camera cannot do what was asked. Pick another camera in the list, '
    + 'or a smaller capture size, and press Start again.',
  AbortError: 'The camera stopped while starting. Press Start again; if it keeps failing, restart the browser.',
  SecurityError: 'The browser blocks the camera on this page. Open the https link, or use localhost.',
  TypeError: 'The browser rejected the camera request. Try another browser, or update this one.',
};

/** Return a one-paragraph explanation of a getUserMedia error: its name, then the fix. */
export function explainCameraError(err) {
  const name = (err && err.name) || 'Error';
  const detail = err && err.constraint ? ` (${err.constraint})` : '';
  const fix = FIXES[name] || `${(err && err.message) || 'Unknown error'}. Press Start to try again.`;
  return `Camera error ${name}${detail}: ${fix}`;
}

/** Return why the camera cannot work on this page, or null when it can. */
export function cameraUnavailableReason(win = window) {
  if (!win.isSecureContext) {
    return `This page is not secure (${win.location.origin}), so the browser hides the camera. `
      + 'Open the https link (for example the one ngrok prints), use http://localhost on the computer '
      + 'running the server, or start the server with HTTPS.';
  }
  const media = win.navigator.mediaDevices;
  if (!media || typeof media.getUserMedia !== 'function') {
    return 'This browser has no camera access (navigator.mediaDevices is missing). '
      + 'Use a current Chrome, Safari or Firefox.';
  }
  return null;
}
