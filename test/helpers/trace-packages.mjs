// `node --import ./trace-packages.mjs bin/run.js …` prints `PKG <name>` on stderr for every npm
// package the process loads (ESM imports and require), so tests can check what start-up pays for.
// A package the build bundled into dist/vendor (scripts/bundle-vendor.mjs) counts under its name.
import Module, { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`export async function resolve(s, c, next) {
      const r = await next(s, c);
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(r.url) ?? /\\/dist\\/vendor\\/([^/.]+)\\./.exec(r.url);
      if (m) process.stderr.write('PKG ' + m[1] + '\\n');
      return r;
    }`),
);
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(Module._resolveFilename(request, parent, isMain));
    if (m) process.stderr.write(`PKG ${m[1]}\n`);
  } catch {
    // a built-in module or one that does not resolve: load reports it
  }
  return load.apply(this, arguments);
};

// Node's own fetch (undici) is built in, not a package: it is reported as `PKG node:undici` when the
// process loaded it, and the type of the global `navigator` as `PKG navigator:<type>`.
process.on('exit', () => {
  if (process.moduleLoadList.some((m) => m.includes('undici'))) process.stderr.write('PKG node:undici\n');
  process.stderr.write(`PKG navigator:${typeof globalThis.navigator}\n`);
});
