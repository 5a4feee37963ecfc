'use strict';
// The Share button: your camera is private to this page until you share it; then others can
// pick it from their Source list, and you see how many are watching.

export class ShareToggle {
  /** ownName(): this page's source name, once the server has told it. */
  constructor(button, status, socket, ownName) {
    this.button = button;
    this.status = status;
    this.socket = socket;
    this.ownName = ownName;
    this.shared = false;
    this.viewers = 0;
    button.addEventListener('click', () => this.set(!this.shared));
    // A new connection is a new, private, server session: share it again if you had.
    socket.on('connect', () => { this.viewers = 0; if (this.shared) this.set(true); });
    socket.on('sources', (list) => this.onSources(list));
    this.render();
  }

  /** Ask the server to share your camera (true) or make it private again (false). */
  set(shared) {
    this.shared = shared;
    this.render();
    if (!this.socket.connected) return;  // sent on connect
    this.socket.emit('share', { shared }, (ack) => {
      if (!ack || ack.error) return;
      this.shared = ack.shared;
      this.viewers = ack.viewers;
      this.render();
    });
  }

  onSources(list) {
    const mine = (Array.isArray(list) ? list : []).find((s) => s.name === this.ownName());
    this.viewers = mine ? mine.viewers + (mine.players || 0) : 0;  // players: MJPEG viewers
    this.render();
  }

  render() {
    this.button.setAttribute('aria-pressed', String(this.shared));
    this.button.textContent = this.shared ? 'Stop sharing' : 'Share my camera';
    this.status.dataset.shared = String(this.shared);
    this.status.textContent = this.shared
      ? `Shared: ${this.viewers} watching`
      : 'Private: only you see your camera.';
  }
}
