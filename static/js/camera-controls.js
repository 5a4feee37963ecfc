'use strict';
// Start, Stop, front/back and the device list: the buttons around the Camera.

import { Camera, videoDevices } from './camera.js';
import { explainCameraError } from './camera-errors.js';

const $ = (id) => document.getElementById(id);

export class CameraControls {
  /** hooks: onStarted(), onStopped(), notice (a Notice). */
  constructor(video, hooks) {
    this.camera = new Camera(video);
    this.hooks = hooks;
    this.busy = false;
    this.deviceCount = 0;
    $('start').addEventListener('click', () => this.open({}));
    $('stop').addEventListener('click', () => this.close());
    $('flip').addEventListener('click', () => this.open({ facing: this.camera.isFront() ? 'environment' : 'user' }));
    $('device').addEventListener('change', (e) => this.open({ deviceId: e.target.value }));
  }

  /** Open the camera (from a tap: iOS only allows it from a user gesture). */
  async open(choice) {
    if (this.busy) return;
    this.busy = true;
    $('start').disabled = true;
    try {
      await this.camera.start({ ...choice, idealWidth: Number($('capture-size').value) });
      this.hooks.notice.clear('camera');
      await this.showDevices();
      this.render();
      this.hooks.onStarted();
    } catch (err) {
      this.camera.stop();
      this.hooks.notice.show('camera', explainCameraError(err));
      this.render();
      this.hooks.onStopped();
    } finally {
      this.busy = false;
      $('start').disabled = false;
    }
  }

  close() {
    this.camera.stop();
    this.render();
    this.hooks.onStopped();
  }

  render() {
    const active = this.camera.active;
    $('start').hidden = active;
    $('stop').hidden = !active;
    this.camera.video.classList.toggle('mirrored', active && this.camera.isFront());
    this.camera.video.closest('figure').hidden = !active;
    $('flip').hidden = !active || this.deviceCount < 2;
    $('flip').textContent = this.camera.isFront() ? 'Back camera' : 'Front camera';
  }

  async showDevices() {
    const devices = await videoDevices();
    const select = $('device');
    select.replaceChildren(...devices.map((device, i) => new Option(
      device.label || `Camera ${i + 1}`, device.deviceId)));
    select.value = this.camera.deviceId();
    $('device-field').hidden = devices.length === 0;
    this.deviceCount = devices.length;
  }
}
