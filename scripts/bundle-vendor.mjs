// Start-up pays for every module it resolves and compiles, and `runs list` needs knex (the control
// store), yaml and zod (cutover.yaml): ~1,200 modules between them, ~60% of its CPU time before
// this (docs/benchmarks.md, "start-up"). After `tsc`, this bundles each into one file under
// dist/vendor (their own code, unchanged: esbuild only concatenates the modules) and points the
// compiled imports in dist/src at them. The drivers stay outside: each is loaded from node_modules
// only when a connection of its kind opens. Running from src (the unit tests) uses the packages.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vendor = path.join(root, 'dist', 'vendor');
const DRIVERS = [
  'pg',
  'pg-native',
  'pg-query-stream',
  'mysql',
  'mysql2',
  'mariadb',
  'mariadb/callback',
  'sqlite3',
  'better-sqlite3',
  'tedious',
  'oracledb',
];
// An ESM bundle of CommonJS code (yaml's node build) needs `require` for Node's own modules.
const REQUIRE =
  "import { createRequire as __cutoverRequire } from 'node:module'; const require = __cutoverRequire(import.meta.url);";

/**
 * An ESM entry re-exporting a package's named exports by name: `export *` from CommonJS (yaml's
 * node build) would leave the names for run time, where an ESM import cannot see them.
 */
async function esmEntry(name) {
  const names = Object.keys(await import(name)).filter(
    (k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k),
  );
  return `import * as m from '${name}';\nconst { ${names.join(', ')} } = m;\nexport { ${names.join(', ')} };`;
}

const PACKAGES = [
  // Imported through knex.js, which require()s knex.cjs: an ESM import of CommonJS would first scan
  // the whole 0.9 MB bundle for its export names (~0.1 s of every start-up), and knex has only a default.
  {
    name: 'knex',
    file: 'knex.js',
    bundle: 'knex.cjs',
    format: 'cjs',
    entry: "module.exports = require('knex');",
    shim: "import { createRequire } from 'node:module';\nexport default createRequire(import.meta.url)('./knex.cjs');\n",
  },
  { name: 'zod', file: 'zod.js', format: 'esm', entry: "export * from 'zod';" },
  { name: 'yaml', file: 'yaml.js', format: 'esm', entry: await esmEntry('yaml'), banner: REQUIRE },
];

for (const p of PACKAGES)
  await build({
    stdin: { contents: p.entry, resolveDir: root, loader: 'js' },
    bundle: true,
    platform: 'node',
    format: p.format,
    target: 'node20',
    external: DRIVERS,
    outfile: path.join(vendor, p.bundle ?? p.file),
    logLevel: 'error',
    ...(p.banner ? { banner: { js: p.banner } } : {}),
  });
for (const p of PACKAGES) if (p.shim) fs.writeFileSync(path.join(vendor, p.file), p.shim);

/** Every .js file under a folder. */
function* jsFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) yield* jsFiles(f);
    else if (e.name.endsWith('.js')) yield f;
  }
}

const rewritten = Object.fromEntries(PACKAGES.map((p) => [p.name, 0]));
for (const file of jsFiles(path.join(root, 'dist', 'src'))) {
  const text = fs.readFileSync(file, 'utf8');
  let out = text;
  for (const p of PACKAGES) {
    let rel = path.relative(path.dirname(file), path.join(vendor, p.file)).split(path.sep).join('/');
    if (!rel.startsWith('.')) rel = `./${rel}`;
    out = out.replace(new RegExp(`(\\bfrom |\\bimport\\()'${p.name}'`, 'g'), (_m, lead) => {
      rewritten[p.name]++;
      return `${lead}'${rel}'`;
    });
    if (new RegExp(`["']${p.name}["']`).test(out.replace(/\/\/.*$/gm, '')))
      throw new Error(`${file} still imports ${p.name} in a form this script does not rewrite`);
  }
  if (out !== text) fs.writeFileSync(file, out);
}
for (const [name, n] of Object.entries(rewritten))
  if (!n) throw new Error(`no import of ${name} found in dist/src: is the bundle still needed?`);
process.stdout.write(
  `dist/vendor: ${PACKAGES.map((p) => `${p.file} (${rewritten[p.name]} imports)`).join(', ')}\n`,
);
