'use strict';
// Processing controls <-> the server's per-client settings.
// Every named control of the form is named after the setting it sets. The controls are drawn
// after load (stage-controls.js), so they are looked up on each use, never kept from the start.

import { readValue, showOutput, showValue } from './setting-field.js';

export class SettingsPanel {
  constructor(form, socket) {
    this.form = form;
    this.socket = socket;
    this.pending = 0;  // settings calls not answered yet; aria-busy while any is
    form.addEventListener('submit', (event) => event.preventDefault());
    // Listened to on the form, so controls drawn later are heard too.
    form.addEventListener('input', (event) => {
      if (event.target.name) showOutput(event.target);
    });
    form.addEventListener('change', (event) => {
      const control = event.target;
      if (control.name) this.send({ [control.name]: readValue(control) });
    });
  }

  /** The form's named controls as they are now. */
  get controls() {
    return [...this.form.elements].filter((el) => el.name);
  }

  /** All the settings the controls show now. */
  values() {
    return Object.fromEntries(this.controls.map((control) => [control.name, readValue(control)]));
  }

  /** Send changes; the answer holds the settings in force, which the controls then show. */
  send(changes = this.values()) {
    if (!this.socket.connected) return;  // sent in full on the next connect
    this.pending += 1;
    this.form.setAttribute('aria-busy', 'true');
    this.socket.emit('settings', changes, (answer) => {
      if (answer && answer.settings) this.apply(answer.settings);
      this.pending -= 1;
      this.form.setAttribute('aria-busy', String(this.pending > 0));
    });
  }

  apply(settings) {
    for (const control of this.controls) {
      if (control.name in settings) showValue(control, settings[control.name]);
    }
  }
}
