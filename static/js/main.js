'use strict';
// Wire the page together: camera -> flow-controlled sender -> Socket.IO -> processed frame,
// or another live source picked from the list.

import { CameraControls } from './camera-controls.js';
import { cameraUnavailableReason } from './camera-errors.js';
import { connect, reconnect } from './connection.js';
import { showConnection } from './connection-view.js';
import { showDetections } from './detections.js';
import { captureJpeg, clearFrame, frameBlob, frameBytes, showFrame, widerThan } from './frames.js';
import { Notice } from './notice.js';
import { FrameSender } from './sender.js';
import { SettingsPanel } from './settings-panel.js';
import { ShareToggle } from './share.js';
import { SourcePicker } from './sources.js';
import { StageControls } from './stage-controls.js';
import { download } from './snapshot.js';
import { RecordControls } from './record.js';
import { Telemetry } from './telemetry.js';
import { saveToken } from './token.js';

const $ = (id) => document.getElementById(id);
const output = $('processed');
const canvas = document.createElement('canvas');
const notice = new Notice($('notice'));
const telemetry = new Telemetry(document.body);
const socket = connect(showConnection);
const panel = new SettingsPanel($('processing'), socket);
const stageControls = new StageControls($('processing'), { notice, onDrawn: stagesDrawn });
let lastFrame = null;  // Blob of the processed frame on screen, for the snapshot
let paused = false;
const sources = new SourcePicker($('source'), $('source-status'), socket, { onSwitch: switchSource });
new ShareToggle($('share'), $('share-status'), socket, () => sources.ownName);
const recorder = new RecordControls({ record: $('record'), status: $('record-status'),
  save: $('snapshot-server'), hint: $('record-hint'), socket, notice, ownName: () => sources.ownName });
const startHint = [...$('output-empty').childNodes];  // "Press Start camera...", kept to show again

const camera = new CameraControls($('preview'), {
  notice,
  onStarted: () => { setPaused(false); sources.choose(null); sender.start(); },
  onStopped: () => { sender.stop(); $('pause').disabled = true; recorder.setPicture(null); },
});

const sender = new FrameSender(sendFrame, Number($('fps').value));

/** Capture and emit one frame; false when there is nothing to send right now. */
async function sendFrame(flightId) {
  if (!socket.connected || !camera.camera.active) return false;
  const quality = Number($('upload-quality').value) / 100;
  const jpeg = await captureJpeg($('preview'), canvas, Number($('capture-size').value), quality);
  if (!jpeg || !socket.connected) return false;
  socket.emit('image', jpeg, (ack) => {
    if (ack && ack.error) sender.refused(flightId);
    else if (ack) sender.acked(flightId, ack.seq);
  });
  telemetry.up.add(jpeg.byteLength);
  return true;
}

function onFrame(frame, meta) {
  if (!sources.accepts(meta)) return;  // a frame of the source we just left
  sources.frameShown();
  // Frames of another source say nothing about our own link and window.
  if (!sources.watching && meta && meta.seq !== undefined) sender.answered(meta.seq);
  telemetry.down.add(frameBytes(frame));
  telemetry.showFlow(sender);
  lastFrame = frameBlob(frame);
  showFrame(output, lastFrame);
  if (meta && meta.seq !== undefined) output.dataset.seq = String(meta.seq);
  if (meta && meta.source) output.dataset.source = meta.source;
  showDetections($('detections'), meta);
  $('output-empty').hidden = true;
  $('snapshot').disabled = false;
  recorder.setPicture(sources.watching || 'your camera');
  notice.clear('server');
}

/** Show another source (name) or your own camera (null). Your camera rests while you watch another. */
function switchSource(name) {
  clearFrame(output);
  delete output.dataset.seq;  // each source numbers its own frames
  delete output.dataset.source;
  showDetections($('detections'), null);
  lastFrame = null;
  $('snapshot').disabled = true;
  recorder.setPicture(null);
  const caption = $('output-empty');
  caption.hidden = false;
  if (name || camera.camera.active) caption.textContent = `Waiting for ${name || 'your camera'}…`;
  else caption.replaceChildren(...startHint);
  if (name) sender.stop();
  else if (camera.camera.active && !paused) sender.start();
  setPaused(paused);
}

function setPaused(value) {
  paused = value;
  $('pause').disabled = !camera.camera.active || Boolean(sources.watching);
  $('pause').setAttribute('aria-pressed', String(paused));
  $('pause').textContent = paused ? 'Resume' : 'Pause';
}

function togglePause() {
  setPaused(!paused);
  reconnect(socket);  // after a long pause the server may have closed an idle connection
  if (paused) sender.stop();
  else sender.start();
}

/** The controls are drawn (showing the defaults, as a new server session has): time each stage. */
function stagesDrawn(description) {
  telemetry.useStages(description, $('stage-times'));
}

socket.on('connect', () => {
  panel.send();  // a new connection is a new server session: restore settings
  sender.connectionChanged();
  stageControls.load();  // if it failed before (no token yet), now it may work
});
socket.on('disconnect', () => sender.connectionChanged());
socket.on('response_back', onFrame);
socket.on('stats', (stats) => telemetry.showStats(stats, sender));
socket.on('error', (err) => notice.show('server', `Server: ${err.message} (${err.code})`));

$('pause').addEventListener('click', togglePause);
$('start').addEventListener('click', () => reconnect(socket));
$('reconnect').addEventListener('click', () => reconnect(socket));
$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  saveToken($('token').value.trim());
  reconnect(socket);
  stageControls.load();
});
$('snapshot').addEventListener('click', () => { if (lastFrame) download(lastFrame); });
$('fps').addEventListener('input', (event) => {
  $('fps-value').textContent = event.target.value;
  sender.setFps(Number(event.target.value));
});
// A picture wider than the camera's frame (stages side by side) would be partly hidden by the preview.
output.addEventListener('load', () => {
  output.closest('.picture').dataset.wide = String(widerThan(output, $('preview')));
});
$('upload-quality').addEventListener('input', (event) => {
  document.querySelector('output[for="upload-quality"]').textContent = event.target.value;
});

stageControls.load();

const unavailable = cameraUnavailableReason();
if (unavailable) {
  notice.show('camera', unavailable);
  $('start').disabled = true;
}
