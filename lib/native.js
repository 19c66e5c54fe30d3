'use strict';
// Loads the compiled addon (built by `npm install` / `npm run build`).
const path = require('node:path');

function load() {
  const candidates = [
    path.join(__dirname, '..', 'index.node'),
  ];
  let lastError;
  for (const p of candidates) {
    try {
      return require(p);
    } catch (e) {
      lastError = e;
    }
  }
  const err = new Error(
    'webcodecs-node: the native addon is not built. Run `npm install` (needs the FFmpeg ' +
      'development packages: see README.md). Cause: ' + (lastError && lastError.message),
  );
  err.cause = lastError;
  throw err;
}

module.exports = load();
