'use strict';
// The shipped TypeScript types (types/): strict `tsc --noEmit` over the type-level programs (our
// types against the DOM lib's WebCodecs types both ways, and a Node program), the TypeScript
// guardrails and the examples; and every class's declared members against the real classes.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const ts = require('typescript');
const api = require('../..');

const root = path.join(__dirname, '..', '..');

// Builds the program of a tsconfig (once); returns it with its diagnostics, formatted.
const compiled = new Map();
function compile(config) {
  if (!compiled.has(config)) compiled.set(config, build(config));
  return compiled.get(config);
}

function build(config) {
  const file = path.join(root, config);
  const parsed = ts.getParsedCommandLineOfConfigFile(file, {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  assert.ok(parsed.fileNames.length > 0, `${config} has files`);
  assert.equal(parsed.options.strict, true, `${config} is strict`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const text = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n',
  });
  return { program, parsed, text };
}

for (const [config, what] of [
  ['test/types/tsconfig.dom.json', 'our classes and DOM-typed values, both ways (lib: dom)'],
  ['test/types/tsconfig.node.json', 'a Node program (ESM, @types/node, no DOM lib) and the TypeScript guardrails'],
  ['examples/tsconfig.json', 'the examples (checkJs)'],
]) {
  test(`tsc --strict: ${what}`, () => {
    const { text } = compile(config);
    assert.equal(text, '', text);
  });
}

test('the declared members of every class are exactly the real ones', () => {
  const { program } = compile('test/types/tsconfig.node.json');
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(root, 'types', 'index.d.ts'));
  assert.ok(source, 'the program uses types/index.d.ts (package.json "exports")');
  const exported = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(source)).map((s) => [s.name, s]));

  const runtime = Object.keys(api).sort();
  const declared = runtime.filter((name) => exported.has(name));
  assert.deepEqual(declared, runtime, 'every runtime export is declared');

  // Names of a type's members; TypeScript names symbol-keyed ones `__@iterator@12`.
  const names = (type) => checker.getPropertiesOfType(type)
    .map((p) => (p.name.startsWith('__@') ? `[Symbol.${p.name.slice(3).replace(/@\d+$/, '')}]` : p.name)).sort();
  // A runtime prototype's members (up to Object.prototype), as the same kind of names; Node's
  // EventTarget has symbol-keyed internals no interface declares.
  const members = (proto) => {
    const out = new Set();
    for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Reflect.ownKeys(p)) {
        if (key === 'constructor' || key === Symbol.toStringTag) continue;
        if (p === EventTarget.prototype && typeof key === 'symbol') continue;
        out.add(typeof key === 'symbol' ? `[${key.description}]` : key);
      }
    }
    return [...out].sort();
  };

  for (const name of runtime) {
    const symbol = exported.get(name);
    const type = checker.getTypeOfSymbol(symbol);
    if (name === 'install' || name === 'transformVideoSample') {
      assert.equal(typeof api[name], 'function');
      assert.equal(type.getCallSignatures().length, 1);
      continue;
    }
    const Class = api[name];
    const statics = names(type).filter((n) => n !== 'prototype');
    const realStatics = Object.getOwnPropertyNames(Class).filter((n) => !['length', 'name', 'prototype'].includes(n)).sort();
    assert.deepEqual(statics, realStatics, `${name}: static members`);
    const instance = checker.getTypeOfSymbol(type.getProperty('prototype'));
    assert.deepEqual(names(instance), members(Class.prototype), `${name}: instance members`);
  }
});
