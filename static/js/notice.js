'use strict';
// Problems shown to the user, one line per kind (camera, server...), each replaced or cleared alone.

export class Notice {
  constructor(element) {
    this.element = element;
    this.messages = new Map();
  }

  show(kind, text) {
    this.messages.set(kind, text);
    this.render();
  }

  clear(kind) {
    if (this.messages.delete(kind)) this.render();
  }

  has(kind) { return this.messages.has(kind); }

  render() {
    const lines = [...this.messages].map(([kind, text]) => {
      const line = document.createElement('p');
      line.dataset.kind = kind;
      line.textContent = text;
      return line;
    });
    this.element.replaceChildren(...lines);
    this.element.hidden = lines.length === 0;
  }
}
