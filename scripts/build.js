'use strict';
// Builds the native addon from source: a release cargo build whose JSON log is piped into
// `neon dist`, which copies the cdylib to ./index.node.
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const APT = 'apt-get install -y --no-install-recommends libavcodec-dev libavformat-dev libavutil-dev ' +
  'libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev libclang-dev clang pkg-config';

function fail(msg) {
  console.error(`\nwebcodecs-node: ${msg}\n`);
  process.exit(1);
}

if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail('cargo (Rust) is required to build the native addon: https://rustup.rs');
}
const pc = spawnSync('pkg-config', ['--exists', 'libavcodec', 'libavformat', 'libavutil', 'libswscale', 'libswresample']);
if (pc.error || pc.status !== 0) {
  fail(`the FFmpeg development libraries were not found (pkg-config libavcodec...).\nOn Debian/Ubuntu: sudo ${APT}`);
}

let neonBin = path.join(root, 'node_modules', '.bin', 'neon');
if (!fs.existsSync(neonBin)) {
  fail('@neon-rs/cli is missing: run `npm install` (it is a devDependency needed to build).');
}

const cargo = spawn('cargo', ['build', '--release', '-p', 'node-binding', '--message-format=json-render-diagnostics'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const dist = spawn(neonBin, ['dist', '-n', 'node-binding'], {
  cwd: root,
  stdio: ['pipe', 'inherit', 'inherit'],
});
cargo.stdout.pipe(dist.stdin);
let cargoCode;
cargo.on('close', (code) => { cargoCode = code; });
dist.on('close', (code) => {
  if (cargoCode !== 0) fail(`cargo build failed (exit ${cargoCode}).`);
  if (code !== 0) fail(`neon dist failed (exit ${code}).`);
  console.log('webcodecs-node: built index.node');
});
