'use strict';
// The frame pool's helper thread (node-binding `warm_frame_pool`): a new VideoFrame of a
// megabyte or more that finds no buffer to reuse asks it for one ahead, so that the next
// frame's page faults happen there instead of on the JS thread. Checks that it is wired up:
// the thread starts, and frames made after it keep their exact bytes.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { VideoFrame } = require('../..');

const threadNames = () => fs.readdirSync('/proc/self/task').map((t) => {
  try {
    return fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
});

test('a stream of large VideoFrames starts the frame pool helper and keeps every frame exact', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const w = 1280;
  const h = 720 + 16; // a size no other test in this process makes
  const size = w * h * 3 / 2;
  const frames = [];
  for (let i = 0; i < 8; i++) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j += 97) data[j] = (j + i * 31) & 255;
    frames.push([new VideoFrame(data, { format: 'I420', codedWidth: w, codedHeight: h, timestamp: i }), data]);
    if (i % 2) frames.shift()[0].close();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const deadline = Date.now() + 5000;
  while (!threadNames().includes('webcodecs-pool') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(threadNames().includes('webcodecs-pool'), `threads: ${threadNames().join(', ')}`);
  for (const [f, data] of frames) {
    const out = new Uint8Array(size);
    await f.copyTo(out);
    assert.deepEqual(out, data);
    f.close();
  }
});
