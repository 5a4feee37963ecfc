'use strict';
// The camera: open it (front/back by facingMode, falling back to a deviceId), list devices, stop it.

const BACK_LABEL = /back|rear|environment|world/i;
const FALLBACK_ERRORS = new Set(['OverconstrainedError', 'NotFoundError', 'NotReadableError']);

export class Camera {
  constructor(video) {
    this.video = video;
    this.stream = null;
    this.facing = 'user';
  }

  get active() { return this.stream !== null; }

  /** Open the camera facing `facing`, or the device `deviceId`; show it in the video element. */
  async start({ facing = this.facing, deviceId = null, idealWidth = 640 } = {}) {
    this.stop();
    const stream = await openStream(facing, deviceId, idealWidth);
    this.stream = stream;
    this.facing = facingOf(this.track(), facing);
    this.video.srcObject = stream;
    await this.video.play();
  }

  /** Stop every track, so the camera light goes off. */
  stop() {
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  track() { return this.stream ? this.stream.getVideoTracks()[0] : null; }

  deviceId() {
    const track = this.track();
    return track ? track.getSettings().deviceId || '' : '';
  }

  /** Front cameras (and desktop webcams) are shown mirrored, like a mirror. */
  isFront() { return this.facing !== 'environment'; }
}

/** Return the video inputs; their labels are known only once permission was given. */
export async function videoDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return devices.filter((device) => device.kind === 'videoinput');
}

async function openStream(facing, deviceId, idealWidth) {
  const size = { width: { ideal: idealWidth }, height: { ideal: Math.round(idealWidth * 0.75) } };
  if (deviceId) return getVideo({ deviceId: { exact: deviceId }, ...size });
  try {
    return await getVideo({ facingMode: { exact: facing }, ...size });
  } catch (err) {
    if (!FALLBACK_ERRORS.has(err.name)) throw err;
  }
  // Desktop webcams and some phones do not report facingMode: pick a device by its label.
  const id = await deviceFor(facing);
  return getVideo(id ? { deviceId: { exact: id }, ...size } : size);
}

function getVideo(video) {
  return navigator.mediaDevices.getUserMedia({ video, audio: false });
}

async function deviceFor(facing) {
  const devices = await videoDevices();
  const back = devices.filter((d) => BACK_LABEL.test(d.label));
  const front = devices.filter((d) => !BACK_LABEL.test(d.label));
  const wanted = facing === 'environment' ? back : front;
  if (wanted.length) return wanted[0].deviceId;
  // Without labels, phones usually list the back camera last.
  const pick = facing === 'environment' ? devices[devices.length - 1] : devices[0];
  return pick ? pick.deviceId : null;
}

function facingOf(track, asked) {
  const settings = track ? track.getSettings() : {};
  if (settings.facingMode) return settings.facingMode;
  if (track && track.label) return BACK_LABEL.test(track.label) ? 'environment' : 'user';
  return asked;
}
