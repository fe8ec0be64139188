import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/**
 * The MySQL/MariaDB server the tests use: CUTOVER_TEST_MYSQL_URL (e.g. mysql://root@127.0.0.1:3306/test,
 * which .ci/run exports after starting MariaDB). In CI (CI=true) an unset variable or a server that
 * is not there FAILS the tests that need it; on a developer's machine without it they are skipped,
 * and the reason is printed.
 */
export const MYSQL_ADMIN_URL = process.env.CUTOVER_TEST_MYSQL_URL;

if (!MYSQL_ADMIN_URL) {
  if (process.env.CI === 'true')
    throw new Error('CUTOVER_TEST_MYSQL_URL is not set: CI must run the MySQL/MariaDB tests (see .ci/run).');
  console.warn(
    'MySQL/MariaDB tests skipped: set CUTOVER_TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test to run them.',
  );
}

/** Whether the MySQL/MariaDB tests run here. */
export const HAVE_MYSQL = Boolean(MYSQL_ADMIN_URL);

/** Creates a fresh database for one test file and returns its URL and a drop function. */
export async function createMysqlTestDatabase(
  prefix = 'cutover_t',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  if (!MYSQL_ADMIN_URL) throw new Error('CUTOVER_TEST_MYSQL_URL is not set');
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
      const c = await mysql.createConnection(MYSQL_ADMIN_URL!);
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
