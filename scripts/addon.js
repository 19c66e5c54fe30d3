'use strict';
// Where the native addon lives, shared by lib/native.js (loading), scripts/build.js (install)
// and scripts/prebuild.js (packing):
// - a source build (`npm run build`, or an install that had to compile) in build/;
// - the prebuilt addon a packed tarball carries, in prebuilds/<platform tag>/.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const FILE = 'webcodecs-node.node';
const SOURCE_BUILD = path.join(root, 'build', FILE);

// `linux-x64-glibc`, `linux-arm64-musl`, `darwin-arm64`, …: what a prebuilt addon is built for.
function platformTag() {
  let tag = `${process.platform}-${process.arch}`;
  if (process.platform === 'linux') {
    const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : null;
    tag += report && report.header && report.header.glibcVersionRuntime ? '-glibc' : '-musl';
  }
  return tag;
}

function prebuiltPath(tag = platformTag()) {
  return path.join(root, 'prebuilds', tag, FILE);
}

// Loads `file` in a child Node process (so a bad binary cannot take this process down).
// Returns null when it loads, else the reason it does not (the loader's message).
function loadError(file) {
  const r = spawnSync(process.execPath, ['-e', `
    try { require(${JSON.stringify(file)}); }
    catch (e) { process.stderr.write(String(e && e.message)); process.exit(1); }`], { encoding: 'utf8' });
  if (r.error) return r.error.message;
  if (r.status === 0) return null;
  return (r.stderr || `exit ${r.status}`).trim().split('\n')[0];
}

module.exports = { root, SOURCE_BUILD, platformTag, prebuiltPath, loadError };
