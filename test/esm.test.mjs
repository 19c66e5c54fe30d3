// The package works through `import` as well as `require()`.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'webcodecs-node';

const require = createRequire(import.meta.url);
const cjs = require('webcodecs-node');

test('named exports are the same classes from import and require', () => {
  for (const name of ['VideoEncoder', 'VideoDecoder', 'VideoFrame', 'VideoColorSpace', 'EncodedVideoChunk']) {
    assert.equal(typeof esm[name], 'function', name);
    assert.equal(esm[name], cjs[name], name);
  }
});
