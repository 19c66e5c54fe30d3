'use strict';
// `require('webcodecs-node/polyfill')` (or `import 'webcodecs-node/polyfill'`): puts the WebCodecs
// classes on globalThis, keeping any the runtime already has.
require('./index').install();
