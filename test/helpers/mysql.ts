import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/**
 * The MySQL/MariaDB server the tests use: CUTOVER_TEST_MYSQL_URL, else the local default (MariaDB on
 * 127.0.0.1:3306, root with an empty password, database `test`, as these machines and .ci/run start
 * it). A server that is not there FAILS the tests that need it, as for PostgreSQL: nothing is skipped.
 */
export const MYSQL_ADMIN_URL = process.env.CUTOVER_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Creates a fresh database for one test file and returns its URL and a drop function. */
export async function createMysqlTestDatabase(
  prefix = 'cutover_t',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection(MYSQL_ADMIN_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
  } finally {
    await admin.end();
  }
  const u = new URL(MYSQL_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = await mysql.createConnection(MYSQL_ADMIN_URL);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

/** Runs statements on a database URL (test setup). */
export async function mysqlExec(url: string, ...sql: string[]): Promise<unknown[]> {
  const c = await mysql.createConnection({
    uri: url,
    multipleStatements: true,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  try {
    const out: unknown[] = [];
    for (const s of sql) out.push((await c.query(s))[0]);
    return out;
  } finally {
    await c.end();
  }
}
