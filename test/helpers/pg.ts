import pg from 'pg';
import { randomBytes } from 'node:crypto';

/**
 * The PostgreSQL server the tests use: CUTOVER_TEST_PG_URL, else the local default. A server that is
 * not there FAILS the tests that need it (CI starts it; see .ci/run): nothing is skipped silently.
 */
export const PG_ADMIN_URL = process.env.CUTOVER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a fresh database for one test file and returns its URL and a drop function. */
export async function createTestDatabase(
  prefix = 'cutover_t',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
