'use strict';
const idl = require('./webidl');
// DOMRectReadOnly for runtimes that lack it (Node has none).

class DOMRectReadOnly {
  #x; #y; #w; #h;
  constructor(x = 0, y = 0, width = 0, height = 0) {
    this.#x = Number(x); this.#y = Number(y); this.#w = Number(width); this.#h = Number(height);
  }
  static fromRect(other = {}) {
    return new DOMRectReadOnly(other.x ?? 0, other.y ?? 0, other.width ?? 0, other.height ?? 0);
  }
  get x() { return this.#x; }
  get y() { return this.#y; }
  get width() { return this.#w; }
  get height() { return this.#h; }
  get top() { return Math.min(this.#y, this.#y + this.#h); }
  get bottom() { return Math.max(this.#y, this.#y + this.#h); }
  get left() { return Math.min(this.#x, this.#x + this.#w); }
  get right() { return Math.max(this.#x, this.#x + this.#w); }
  toJSON() {
    const { x, y, width, height, top, right, bottom, left } = this;
    return { x, y, width, height, top, right, bottom, left };
  }
}
idl.exposeInterface(DOMRectReadOnly);

module.exports = { DOMRectReadOnly: globalThis.DOMRectReadOnly ?? DOMRectReadOnly };
