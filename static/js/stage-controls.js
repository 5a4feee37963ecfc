'use strict';
// The Processing controls, drawn from what the server says its stages are (GET /api/stages):
// per stage, in running order, its switch, its hint and its settings; then the output settings.
// A stage added with `python process.py --stages FOLDER` gets its controls with no change here.

import { checkbox, element, settingField } from './setting-field.js';
import { currentToken } from './token.js';

/** Draws the controls once the server describes its stages; tried again until that works. */
export class StageControls {
  /** onDrawn(description): called once, after the controls are drawn. */
  constructor(form, { notice, onDrawn }) {
    Object.assign(this, { form, notice, onDrawn });
    this.drawn = false;
    this.loading = null;  // the load under way, so a second call waits on it rather than racing
  }

  /** Fetch and draw, unless done or under way; call again (a new token, a connect) after a failure. */
  load() {
    if (this.drawn) return Promise.resolve();
    if (!this.loading) this.loading = this.fetchAndDraw().finally(() => { this.loading = null; });
    return this.loading;
  }

  async fetchAndDraw() {
    let description;
    try {
      description = await fetchStages();
    } catch (error) {
      this.notice.show('stages', `Processing controls could not be loaded: ${error.message}. `
        + 'They are tried again on the next connection.');
      return;
    }
    drawStages(this.form, description);
    this.drawn = true;
    this.notice.clear('stages');
    this.onDrawn(description);
  }
}

/** Return the server's description of its stages; throw an Error saying why not. */
export async function fetchStages() {
  const token = currentToken();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch('/api/stages', { headers, cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

/** Replace the form's contents with a group per stage and one for the output settings. */
export function drawStages(form, description) {
  const groups = description.stages.map(stageGroup);
  if (description.output.length) groups.push(outputGroup(description.output));
  form.replaceChildren(...groups);
}

function stageGroup(stage) {
  const group = element('div', { class: 'stage-controls', role: 'group',
    'aria-labelledby': `${stage.name}-label` });
  const hints = [`${stage.name}-hint`];
  if (!stage.available) hints.push(`${stage.name}-reason`);
  const toggle = checkbox(stage.name, stage.label, stage.enabled,
    { 'aria-describedby': hints.join(' ') });
  toggle.classList.add('switch');
  toggle.id = `${stage.name}-label`;
  toggle.querySelector('input').disabled = !stage.available;
  group.append(toggle, element('p', { id: hints[0], class: 'hint' }, stage.description));
  if (!stage.available) {
    group.append(element('p', { id: hints[1], class: 'reason' }, `Not on this server: ${stage.reason}`));
  }
  if (stage.settings.length) {
    const settings = element('div', { class: 'stage-settings' });
    settings.append(...stage.settings.map(settingField));
    // Settings of a stage that cannot run would do nothing: shown, but not to be changed.
    if (!stage.available) settings.querySelectorAll('input, select').forEach((c) => { c.disabled = true; });
    group.append(settings);
  }
  return group;
}

function outputGroup(settings) {
  const group = element('div', { class: 'stage-controls', role: 'group', 'aria-labelledby': 'output-label' });
  group.append(element('p', { id: 'output-label', class: 'group-title' }, 'Output'),
    ...settings.map(settingField));
  return group;
}
