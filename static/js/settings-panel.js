'use strict';
// Processing controls <-> the server's per-client settings.
// Every control of the form (or tied to it with form="...") is named after the setting it sets.

/** Read one control's value as the setting's type. */
function valueOf(control) {
  if (control.type === 'checkbox') return control.checked;
  if (control.type === 'range' || control.type === 'number') return Number(control.value);
  return control.value;
}

function show(control, value) {
  if (control.type === 'checkbox') control.checked = Boolean(value);
  else control.value = String(value);
  const output = document.querySelector(`output[for="${control.id}"]`);
  if (output) output.textContent = format(control);
}

function format(control) {
  if (control.dataset.unit === '%') return `${Math.round(Number(control.value) * 100)}%`;
  return control.value;
}

export class SettingsPanel {
  constructor(form, socket) {
    this.form = form;
    this.socket = socket;
    this.controls = [...form.elements].filter((el) => el.name);
    this.pending = 0;  // settings calls not answered yet; aria-busy while any is
    form.addEventListener('submit', (event) => event.preventDefault());
    for (const control of this.controls) {
      control.addEventListener('input', () => show(control, valueOf(control)));
      control.addEventListener('change', () => this.send({ [control.name]: valueOf(control) }));
    }
  }

  /** All the settings the controls show now. */
  values() {
    return Object.fromEntries(this.controls.map((control) => [control.name, valueOf(control)]));
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
      if (control.name in settings) show(control, settings[control.name]);
    }
  }
}
