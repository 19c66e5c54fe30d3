'use strict';
// Provides the native addon.
// - `npm run build`, and `npm install`/`npm ci` in a git checkout: a release cargo build of
//   node-binding, copied to build/webcodecs-node.node.
// - As the install script of an installed package (a packed tarball): the prebuilt addon the
//   package carries for this platform if it loads here; otherwise the source build, after
//   saying why the prebuilt one could not be used.
// WEBCODECS_NODE_BUILD_FROM_SOURCE=1 always builds from source.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const { root, SOURCE_BUILD, platformTag, prebuiltPath, loadError } = require('./addon');

const APT = 'apt-get install -y --no-install-recommends libavcodec-dev libavformat-dev libavutil-dev ' +
  'libswscale-dev libswresample-dev libavfilter-dev libavdevice-dev libaom-dev libclang-dev clang pkg-config';

function fail(msg) {
  console.error(`\nwebcodecs-node: ${msg}\n`);
  process.exit(1);
}

// Why this run must build from source, or null when a prebuilt addon may be used.
function sourceReason() {
  if (process.env.WEBCODECS_NODE_BUILD_FROM_SOURCE) return 'WEBCODECS_NODE_BUILD_FROM_SOURCE is set';
  if (process.env.npm_lifecycle_event !== 'install') return 'asked to build';
  if (fs.existsSync(path.join(root, '.git'))) return 'this is a git checkout';
  return null;
}

// The prebuilt addon when it loads here; otherwise null, after saying why.
function usablePrebuilt() {
  const tag = platformTag();
  const file = prebuiltPath(tag);
  if (!fs.existsSync(file)) {
    console.error(`webcodecs-node: no prebuilt addon for ${tag}; building from source.`);
    return null;
  }
  const why = loadError(file);
  if (why === null) return file;
  console.error(`webcodecs-node: the prebuilt addon for ${tag} does not load here (${why}); building from source.`);
  return null;
}

// `cargo build --release -p node-binding` (with `features`), then copies the cdylib cargo
// reports to `out`. Resolves when done; exits the process with a message on failure.
function cargoBuild(out, features = []) {
  if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
    fail('building from source needs cargo (Rust): https://rustup.rs');
  }
  const pc = spawnSync('pkg-config', ['--exists', 'libavcodec', 'libavformat', 'libavutil', 'libswscale', 'libswresample']);
  if (pc.error || pc.status !== 0) {
    fail(`building from source needs the FFmpeg development libraries (pkg-config libavcodec...).\nOn Debian/Ubuntu: sudo ${APT}`);
  }
  const args = ['build', '--release', '-p', 'node-binding', '--message-format=json-render-diagnostics'];
  if (features.length > 0) args.push('--features', features.join(','));
  return new Promise((resolve) => {
    const cargo = spawn('cargo', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let artifact = null;
    let pending = '';
    cargo.stdout.setEncoding('utf8');
    cargo.stdout.on('data', (text) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const m = JSON.parse(line);
        if (m.reason === 'compiler-artifact' && m.target && m.target.name === 'node_binding' &&
            m.target.kind.includes('cdylib')) {
          artifact = m.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) ?? null;
        }
      }
    });
    cargo.on('close', (code) => {
      if (code !== 0) fail(`cargo build failed (exit ${code}).`);
      if (artifact === null) fail('cargo build reported no node-binding library.');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.copyFileSync(artifact, out);
      resolve(out);
    });
  });
}

async function main() {
  const reason = sourceReason();
  if (reason === null) {
    const file = usablePrebuilt();
    if (file !== null) {
      console.log(`webcodecs-node: using the prebuilt addon for ${platformTag()}`);
      return;
    }
  }
  await cargoBuild(SOURCE_BUILD);
  console.log(`webcodecs-node: built ${path.relative(root, SOURCE_BUILD)}`);
}

if (require.main === module) main();

module.exports = { cargoBuild };
