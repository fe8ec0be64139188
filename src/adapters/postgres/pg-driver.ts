/**
 * The pg driver, loaded here for every module that uses it. pg checks at load whether it runs in a
 * Cloudflare Worker: where `navigator` is missing (Node.js 20; 21 and later define it), the check
 * builds a `Response`, which loads Node's whole fetch implementation (undici): ~27 ms of the start of
 * every process and every reader thread that loads pg, for a client that never fetches. With a
 * `navigator` of Node's own shape there for the load, the check answers at once; it is removed again
 * before anything else runs.
 */
import { createRequire } from 'node:module';
import type * as PgModule from 'pg';

const require = createRequire(import.meta.url);

function loadPg(): typeof PgModule {
  const scope = globalThis as { navigator?: unknown };
  if (scope.navigator !== undefined) return require('pg') as typeof PgModule;
  Object.defineProperty(scope, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
    writable: true,
  });
  try {
    return require('pg') as typeof PgModule;
  } finally {
    delete scope.navigator;
  }
}

/** The pg module (its CommonJS exports, as `import pg from 'pg'` gives them). */
export const pg = loadPg();
