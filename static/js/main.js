'use strict';
import { captureJpeg, showJpeg } from './frames.js';
import { FrameSender } from './sender.js';

const $ = (id) => document.getElementById(id);
const video = $('preview');
const output = $('processed');
const canvas = document.createElement('canvas');
const socket = window.io({ transports: ['websocket'] });
let stream = null;

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

const sender = new FrameSender(async () => {
  if (!socket.connected || !video.videoWidth) return false;
  const jpeg = await captureJpeg(video, canvas, 0.7);
  if (!jpeg) return false;
  socket.emit('image', jpeg);
  return true;
});

socket.on('connect', () => setStatus('Connected'));
socket.on('disconnect', () => setStatus('Disconnected, reconnecting…', true));
socket.on('connect_error', (err) => setStatus(`Cannot connect: ${err.message}`, true));
socket.on('response_back', (frame) => { showJpeg(output, frame); sender.answered(); });
socket.on('error', (err) => { setStatus(`Server: ${err.message}`, true); sender.answered(); });
socket.on('stats', (s) => {
  $('telemetry').textContent = `in ${s.fps_in} FPS · out ${s.fps_out} FPS · dropped ${s.dropped}`
    + ` · ${s.total_ms} ms/frame · round trip ${sender.latencyMs.toFixed(0)} ms`;
});

async function start() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setStatus('Camera needs a secure page: open the https link or use localhost.', true);
    return;
  }
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (err) {
    setStatus(`Camera error: ${err.name}: ${err.message}`, true);
    return;
  }
  video.srcObject = stream;
  await video.play();
  $('start').disabled = true;
  $('stop').disabled = false;
  sender.start();
}

function stop() {
  sender.stop();
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  video.srcObject = null;
  $('start').disabled = false;
  $('stop').disabled = true;
}

$('start').addEventListener('click', start);
$('stop').addEventListener('click', stop);
$('fps').addEventListener('input', (e) => {
  $('fps-value').textContent = e.target.value;
  sender.setFps(Number(e.target.value));
});
