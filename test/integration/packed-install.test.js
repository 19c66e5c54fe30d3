'use strict';
// The packed tarball installs without a toolchain: `npm pack` builds the production addon into
// prebuilds/, `npm install --offline <tarball>` into a clean folder with cargo off the PATH uses
// it, and the installed package encodes and decodes a frame. A prebuilt addon that cannot load
// is reported with the loader's reason, by the install script (which then needs cargo to build
// from source) and at require() time (when scripts were not run).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');
const { platformTag } = require('../../scripts/addon');

// The environment of a machine without Rust: no directory with `cargo` on the PATH, and none
// of the outer `npm test`'s npm_* variables.
function toolchainFreeEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  }
  env.PATH = (process.env.PATH || '').split(path.delimiter)
    .filter((d) => d && !fs.existsSync(path.join(d, 'cargo')))
    .join(path.delimiter);
  return env;
}

function run(cmd, args, options) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15 * 60 * 1000, ...options });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

// Installs `tarball` into a new clean project folder `dir`, offline, with extra npm `flags`.
function install(dir, tarball, flags = []) {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: path.basename(dir), private: true }));
  const args = ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', ...flags, tarball];
  return run('npm', args, { cwd: dir, env: toolchainFreeEnv() });
}

// Runs ROUND_TRIP in `app` and checks what came out.
function assertRoundTrip(app) {
  const trip = run(process.execPath, ['-e', ROUND_TRIP], { cwd: app, env: toolchainFreeEnv() });
  assert.equal(trip.status, 0, trip.out);
  const result = JSON.parse(trip.out.trim().split('\n')[0]);
  assert.deepEqual(result.chunks, ['key']);
  assert.deepEqual(result.size, [64, 48]);
  // A flat red frame survives VP8 (4:2:0, lossy) within a few levels.
  const [r8, g8, b8, a8] = result.pixel;
  assert.ok(Math.abs(r8 - 200) <= 8 && Math.abs(g8 - 40) <= 8 && Math.abs(b8 - 40) <= 8 && a8 === 255, `pixel ${result.pixel}`);
}

// The installed package's types resolve from a TypeScript program in `app` (CJS and ESM).
function assertTypes(app) {
  const ts = require('typescript');
  fs.writeFileSync(path.join(app, 'main.ts'), [
    "import { VideoEncoder, type VideoPixelFormat } from 'webcodecs-node';",
    "const format: VideoPixelFormat = 'I420P10';",
    'const encoder = new VideoEncoder({ output: (chunk) => chunk.byteLength, error: (e) => e.name });',
    "encoder.configure({ codec: 'vp8', width: 2, height: 2, latencyMode: 'realtime' });",
    'export { format };',
  ].join('\n'));
  fs.writeFileSync(path.join(app, 'esm.mts'), "import api, { install } from 'webcodecs-node';\nexport const n: string[] = install();\nexport const e = api.VideoDecoder;\n");
  const program = ts.createProgram([path.join(app, 'main.ts'), path.join(app, 'esm.mts')], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
    module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diagnostics, []);
  const declarations = program.getSourceFiles().map((f) => path.relative(app, f.fileName)).filter((f) => f.includes('webcodecs-node'));
  assert.deepEqual(declarations.sort(), ['node_modules/webcodecs-node/types/index.d.mts', 'node_modules/webcodecs-node/types/index.d.ts']);
}

// Encodes one VP8 frame and decodes it back; prints what came out.
const ROUND_TRIP = `
const { VideoEncoder, VideoDecoder, VideoFrame } = require('webcodecs-node');
(async () => {
  const W = 64, H = 48;
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) rgba.set([200, 40, 40, 255], i * 4);
  const chunks = [];
  let config;
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); config = config ?? m.decoderConfig; }, error: (e) => { throw e; } });
  enc.configure({ codec: 'vp8', width: W, height: H });
  const f = new VideoFrame(rgba, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: 0 });
  enc.encode(f, { keyFrame: true });
  f.close();
  await enc.flush();
  const frames = [];
  const dec = new VideoDecoder({ output: (x) => frames.push(x), error: (e) => { throw e; } });
  dec.configure(config);
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  const out = new Uint8Array(W * H * 4);
  await frames[0].copyTo(out, { format: 'RGBA' });
  console.log(JSON.stringify({ chunks: chunks.map((c) => c.type), size: [frames[0].codedWidth, frames[0].codedHeight], pixel: [...out.subarray(0, 4)] }));
})();
`;

test('npm pack carries the prebuilt addon; it installs offline and works without cargo', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-pack-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const packed = run('npm', ['pack', '--pack-destination', tmp], { cwd: root, env: { ...toolchainFreeEnv(), PATH: process.env.PATH } });
  assert.equal(packed.status, 0, packed.out);
  const tarball = path.join(tmp, fs.readdirSync(tmp).find((f) => f.endsWith('.tgz')));
  assert.ok(!fs.existsSync(path.join(root, 'prebuilds')), 'postpack removes prebuilds/ from the checkout');

  const listing = run('tar', ['tzf', tarball]).out.split('\n');
  const tag = platformTag();
  assert.ok(listing.includes(`package/prebuilds/${tag}/webcodecs-node.node`), `the tarball carries prebuilds/${tag}`);
  assert.deepEqual(listing.filter((f) => f.endsWith('.node')), [`package/prebuilds/${tag}/webcodecs-node.node`], 'and no other addon');
  assert.ok(listing.includes('package/types/index.d.ts'));

  await t.test('the install script picks the prebuilt addon; nothing is compiled; the types resolve', () => {
    const app = path.join(tmp, 'app');
    const r = install(app, tarball);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`using the prebuilt addon for ${tag}`));
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'webcodecs-node', 'build')), 'nothing was compiled');
    assertRoundTrip(app);
    assertTypes(app);
  });

  await t.test('installed with --ignore-scripts, require() loads the prebuilt addon itself', () => {
    const app = path.join(tmp, 'app-no-scripts');
    const r = install(app, tarball, ['--ignore-scripts']);
    assert.equal(r.status, 0, r.out);
    assertRoundTrip(app);
  });

  await t.test('a prebuilt addon that does not load is reported with the reason', () => {
    // The same tarball with a broken binary in place of the addon (as a wrong-platform build would be).
    const work = path.join(tmp, 'broken');
    fs.mkdirSync(work);
    assert.equal(run('tar', ['xzf', tarball, '-C', work]).status, 0);
    fs.writeFileSync(path.join(work, 'package', 'prebuilds', tag, 'webcodecs-node.node'), 'not a shared object\n'.repeat(256));
    const broken = path.join(tmp, 'broken.tgz');
    assert.equal(run('tar', ['czf', broken, '-C', work, 'package']).status, 0);

    // The install script says why it cannot use the prebuilt one, and that building needs cargo.
    const withScripts = install(path.join(tmp, 'app-broken-scripts'), broken);
    assert.notEqual(withScripts.status, 0, withScripts.out);
    assert.match(withScripts.out, new RegExp(`the prebuilt addon for ${tag} does not load here \\(.*invalid ELF header.*\\); building from source`));
    assert.match(withScripts.out, /building from source needs cargo/);

    // Without the script, require() says the same.
    const app = path.join(tmp, 'app-broken');
    const r = install(app, broken, ['--ignore-scripts']);
    assert.equal(r.status, 0, r.out);
    const req = run(process.execPath, ['-e', "require('webcodecs-node')"], { cwd: app, env: toolchainFreeEnv() });
    assert.notEqual(req.status, 0);
    assert.match(req.out, new RegExp(`the native addon could not be loaded \\(the prebuilt addon for ${tag}: .*invalid ELF header`));
    assert.match(req.out, /apt-get install ffmpeg/);
  });
});
