'use strict';
// `npm pack` / `npm publish` (prepack): builds the production addon (no test-only features)
// into prebuilds/<platform tag>/ so the tarball carries it, and checks that it loads.
// `node scripts/prebuild.js --clean` (postpack) removes it again: a git checkout always builds
// from source, and no stale prebuilt may linger there.
const fs = require('node:fs');
const path = require('node:path');
const { root, platformTag, prebuiltPath, loadError } = require('./addon');
const { cargoBuild } = require('./build');

async function main() {
  const prebuilds = path.join(root, 'prebuilds');
  fs.rmSync(prebuilds, { recursive: true, force: true });
  if (process.argv.includes('--clean')) return;
  const tag = platformTag();
  const file = await cargoBuild(prebuiltPath(tag));
  const why = loadError(file);
  if (why !== null) {
    console.error(`webcodecs-node: the prebuilt addon does not load: ${why}`);
    process.exit(1);
  }
  console.log(`webcodecs-node: prebuilt addon for ${tag} in ${path.relative(root, file)}`);
}

main();
