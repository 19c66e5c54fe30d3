'use strict';
// examples/lib/progress.mjs: frames, fps and ETA on a terminal, at most every 100 ms; nothing
// at all on a stream that is not a terminal.
const test = require('node:test');
const assert = require('node:assert/strict');

function fakeStream(isTTY) {
  const writes = [];
  return { isTTY, writes, write: (s) => { writes.push(s); } };
}

test('on a terminal: one rewritten line with frames, fps and ETA, throttled; finish keeps or erases it', async () => {
  const { progress } = await import('../../examples/lib/progress.mjs');
  let clock = 0;
  const stream = fakeStream(true);
  const bar = progress({ label: 'encode', total: 300, stream, now: () => clock });
  clock = 1000;
  bar.update(30); // 30 frames in 1 s: 30 fps, 270 to go: 9 s
  clock = 1050;
  bar.update(31); // within 100 ms of the last line: not drawn
  clock = 60000;
  bar.update(60); // 1 fps, 240 to go: 4 minutes
  bar.finish();
  assert.deepEqual(stream.writes, [
    '\rencode: 30/300 frames  30.0 fps  ETA 9s\x1b[K',
    '\rencode: 60/300 frames  1.0 fps  ETA 4m00s\x1b[K',
    '\rencode: 60/300 frames  1.0 fps  ETA 4m00s\x1b[K\n',
  ]);
  const erased = fakeStream(true);
  const other = progress({ label: 'x', stream: erased, now: () => clock });
  clock += 500;
  other.update(5); // no total: no ETA
  other.finish({ keep: false });
  assert.deepEqual(erased.writes, ['\rx: 5 frames  10.0 fps\x1b[K', '\r\x1b[K']);
});

test('not a terminal: silent', async () => {
  const { progress } = await import('../../examples/lib/progress.mjs');
  const stream = fakeStream(false);
  const bar = progress({ label: 'encode', total: 10, stream });
  for (let i = 1; i <= 10; i++) bar.update(i);
  bar.finish();
  assert.deepEqual(stream.writes, []);
});
