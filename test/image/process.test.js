'use strict';
// Process-level ImageDecoder behaviour, each in a child process: a pending decode keeps Node
// alive until it settles, close() without awaiting anything lets Node exit, and decoders that
// are dropped without close() are collected and leave no threads behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const { fixture } = require('./helpers');
const { runScript } = require('../helpers');

const LIB = JSON.stringify(require.resolve('../..'));
const PNG = JSON.stringify(fixture('pattern.png'));
const GIF = JSON.stringify(fixture('four-colors-flip.gif'));


test('a pending decode keeps the process alive until it resolves', () => {
  const out = runScript(`
    const { ImageDecoder } = require(${LIB});
    const d = new ImageDecoder({ data: require('fs').readFileSync(${PNG}), type: 'image/png' });
    d.decode().then(({ image }) => { console.log('decoded', image.codedWidth); image.close(); });
  `);
  assert.equal(out, 'decoded 256');
});

test('close() right after decode() (not awaited) exits promptly without unhandled rejections', () => {
  const t0 = Date.now();
  const out = runScript(`
    const { ImageDecoder } = require(${LIB});
    const d = new ImageDecoder({ data: require('fs').readFileSync(${GIF}), type: 'image/gif' });
    d.decode({ frameIndex: 1 }).catch((e) => console.log(e.name));
    d.close();
  `);
  assert.equal(out, 'AbortError');
  assert.ok(Date.now() - t0 < 5000);
});

test('an unclosed, idle decoder does not keep the process alive', () => {
  const out = runScript(`
    const { ImageDecoder } = require(${LIB});
    globalThis.keep = new ImageDecoder({ data: require('fs').readFileSync(${PNG}), type: 'image/png' });
    keep.tracks.ready.then(() => console.log('ready'));
  `);
  assert.equal(out, 'ready');
});

test('decoders dropped without close() are collected; their threads end', () => {
  const out = runScript(`
    const fs = require('fs');
    const { ImageDecoder } = require(${LIB});
    const data = fs.readFileSync(${GIF});
    const threads = () => fs.readdirSync('/proc/self/task').length;
    const registry = new FinalizationRegistry(() => { collected++; });
    let collected = 0;
    (async () => {
      const base = threads();
      for (let i = 0; i < 100; i++) {
        const d = new ImageDecoder({ data, type: 'image/gif' });
        registry.register(d, i);
        const { image } = await d.decode({ frameIndex: i % 2 });
        image.close();
      }
      for (let i = 0; i < 20 && collected < 100; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 200));
      console.log(JSON.stringify({ collected, extra: threads() - base }));
    })();
  `, ['--expose-gc']);
  const { collected, extra } = JSON.parse(out);
  assert.ok(collected >= 90, `only ${collected} of 100 decoders were collected`);
  assert.ok(extra <= 4, `${extra} threads left behind`);
});
