'use strict';
// Loads the native addon: a source build (build/, from `npm run build` or an install that
// compiled) if there is one, else the prebuilt addon the package carries for this platform.
const fs = require('node:fs');
const path = require('node:path');
const { SOURCE_BUILD, platformTag, prebuiltPath } = require('../scripts/addon');

// SVT-AV1 (the AV1 encoder of latencyMode "quality") logs a banner and warnings to stderr on
// every encoder it opens unless SVT_LOG says otherwise; it reads the variable from the
// environment, so it is set here, before the addon loads, to errors only (1). A value the user
// set is kept.
if (process.env.SVT_LOG === undefined) process.env.SVT_LOG = '1';

function load() {
  const tried = [];
  if (fs.existsSync(SOURCE_BUILD)) {
    try {
      return require(SOURCE_BUILD);
    } catch (e) {
      tried.push(`${path.relative(path.join(__dirname, '..'), SOURCE_BUILD)}: ${e.message}`);
    }
  }
  const tag = platformTag();
  const prebuilt = prebuiltPath(tag);
  if (fs.existsSync(prebuilt)) {
    try {
      return require(prebuilt);
    } catch (e) {
      tried.push(`the prebuilt addon for ${tag}: ${e.message}`);
    }
  } else {
    tried.push(`no source build and no prebuilt addon for ${tag}`);
  }
  const err = new Error(
    `webcodecs-node: the native addon could not be loaded (${tried.join('; ')}). ` +
      'The prebuilt addon needs the FFmpeg 5.1 runtime libraries (Debian 12: apt-get install ffmpeg). ' +
      'To build from source instead (needs cargo, clang and the FFmpeg development packages, see ' +
      'README.md): WEBCODECS_NODE_BUILD_FROM_SOURCE=1 npm rebuild webcodecs-node',
  );
  err.cause = tried;
  throw err;
}

const addon = load();
// Deliveries and banded copies yield with setImmediate; the addon keeps node:timers' own, so a
// test that replaces the global one (fake timers) cannot stall them.
addon.setImmediateFn(require('node:timers').setImmediate);
module.exports = addon;
