'use strict';
// One setting's control, drawn from the server's description of it (GET /api/stages):
// build it, read its value as the setting's type, and show a value in it.
// A control's id and name are the setting's key.

/** Make an element with attributes and text. */
export function element(tag, attributes = {}, text = '') {
  const made = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => made.setAttribute(name, String(value)));
  if (text) made.textContent = text;
  return made;
}

/** Return a labelled checkbox for a flag; `extra` adds attributes to the input. */
export function checkbox(key, label, checked, extra = {}) {
  const input = element('input', { id: key, name: key, type: 'checkbox', ...extra });
  input.checked = Boolean(checked);
  const wrapper = element('label', { class: 'check' });
  wrapper.append(input, ` ${label}`);
  return wrapper;
}

/** Return the field (label and control) for one described setting. */
export function settingField(setting) {
  if (setting.type === 'flag') return checkbox(setting.key, setting.label, setting.default);
  const label = element('label', { for: setting.key }, setting.label);
  let control;
  let inline = false;
  if (setting.type === 'number' || setting.type === 'integer') {
    control = slider(setting);
    label.append(' ', element('output', { for: setting.key }));
    if (setting.unit && setting.unit !== '%') label.append(` ${setting.unit}`);
  } else if (setting.type === 'choice') {
    control = choice(setting);
    inline = true;
  } else if (setting.type === 'colour') {
    control = element('input', { id: setting.key, name: setting.key, type: 'color' });
    inline = true;
  } else {  // text, and any type this page does not know yet
    control = element('input', { id: setting.key, name: setting.key, type: 'text',
      autocomplete: 'off', spellcheck: 'false' });
    if (setting.max_length) control.maxLength = setting.max_length;
  }
  const field = element('div', { class: inline ? 'field inline' : 'field' });
  field.append(label, control);
  showValue(control, setting.default);
  return field;
}

function slider(setting) {
  // Without a declared step a number moves in hundredths of its range, a whole number by one.
  const step = setting.step || (setting.type === 'integer' ? 1 : (setting.max - setting.min) / 100);
  const attributes = { id: setting.key, name: setting.key, type: 'range',
    min: setting.min, max: setting.max, step };
  if (setting.unit === '%') attributes['data-unit'] = '%';
  return element('input', attributes);
}

function choice(setting) {
  const select = element('select', { id: setting.key, name: setting.key });
  for (const option of setting.options) {
    const item = element('option', { value: option.value }, option.label);
    item.dataset.json = JSON.stringify(option.value);  // a choice need not be text
    select.append(item);
  }
  return select;
}

/** Read one control's value as the setting's type. */
export function readValue(control) {
  if (control.type === 'checkbox') return control.checked;
  if (control.type === 'range' || control.type === 'number') return Number(control.value);
  const picked = control.selectedOptions ? control.selectedOptions[0] : null;
  if (picked && picked.dataset.json) return JSON.parse(picked.dataset.json);
  return control.value;
}

/** Show a value in its control, and in the control's <output> where it has one. */
export function showValue(control, value) {
  if (control.type === 'checkbox') control.checked = Boolean(value);
  else control.value = String(value);
  showOutput(control);
}

/** Show a slider's value in its <output> as the user drags it. */
export function showOutput(control) {
  // Looked up in the field, not the document: a field is filled in before it is drawn.
  const field = control.parentElement;
  const output = field ? field.querySelector(`output[for="${control.id}"]`) : null;
  if (output) output.textContent = formatted(control);
}

function formatted(control) {
  const value = Number(control.value);
  if (control.dataset.unit === '%') return `${Math.round(value * 100)}%`;
  const decimals = (String(control.step).split('.')[1] || '').length;
  return value.toFixed(Math.min(decimals, 3));
}
