import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createAdapter } from '../../../src/adapters/registry.js';
import type { Adapter, RawValue } from '../../../src/adapters/types.js';
import { ConnectionError, CutoverError, DataError } from '../../../src/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createTestDatabase } from '../../helpers/pg.js';
import { CopyOut } from '../../../src/adapters/postgres/copy-out.js';

const ctx = { logger: silentLogger() };

async function connectFailure(url: string, name = 'legacy'): Promise<CutoverError> {
  const adapter = createAdapter({ name, url, connectTimeoutMs: 3000 }, ctx);
  const err = await adapter.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  await adapter.close();
  expect(err).toBeInstanceOf(ConnectionError);
  return err as CutoverError;
}

async function rows(adapter: Adapter, query: string, columns: string[]): Promise<RawValue[][]> {
  const out: RawValue[][] = [];
  for await (const b of adapter.read({ query, columns })) out.push(...b);
  return out;
}

/**
 * A stand-in server that asks for a cleartext password and rejects it with SQLSTATE 28P01, exactly
 * as PostgreSQL does. The test server uses trust auth on 127.0.0.1 (any password is accepted there,
 * and pg_hba is not ours to change), so a wrong password cannot be produced with it.
 */
function passwordRejectingServer(): Promise<{ port: number; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = net.createServer((sock) => {
    let startup = true;
    sock.on('data', (data) => {
      if (startup) {
        startup = false;
        sock.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
        return;
      }
      if (data[0] === 0x70) received.push(data.subarray(5, data.length - 1).toString());
      const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "alice"']
        .map((f) => Buffer.from(`${f}\0`))
        .concat(Buffer.from([0]));
      const body = Buffer.concat(fields);
      const head = Buffer.alloc(5);
      head.write('E');
      head.writeInt32BE(body.length + 4, 1);
      sock.end(Buffer.concat([head, body]));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as net.AddressInfo).port,
        received,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('postgres adapter', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('cutover_pgad');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(
      'CREATE TABLE wide AS SELECT g AS id, repeat(md5(g::text), 4) AS pad FROM generate_series(1, 300000) g',
    );
    await c.query(
      'CREATE SEQUENCE cutover_seq; CREATE TABLE "Order" ("Order" int8, amount numeric(24,4), at timestamptz)',
    );
    await c.end();
  });
  afterAll(async () => db?.drop());

  it('reads a readOnly connection inside one REPEATABLE READ READ ONLY transaction', async () => {
    const adapter = createAdapter({ name: 'legacy', url: db.url, readOnly: true }, ctx);
    await adapter.connect();
    try {
      const got = await rows(
        adapter,
        "SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro",
        ['iso', 'ro'],
      );
      expect(got).toEqual([['repeatable read', 'on']]);
      const info = await adapter.info();
      expect(info.readOnly).toBe(true);
      expect(info.serverVersion).toMatch(/^PostgreSQL \d+/);
    } finally {
      await adapter.close();
    }
  });

  it('turns a bool column into booleans for a boolean field, and leaves Y/yes/1 in a text column to the mapping', async () => {
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    try {
      const out: RawValue[][] = [];
      for await (const b of adapter.read({
        query:
          "SELECT * FROM (VALUES (true, 'yes'), (false, 'Y'), (NULL::bool, 'N'), (true, 't'), (false, '1')) v(b, s)",
        columns: ['b', 's'],
        types: ['boolean', 'boolean'],
      }))
        out.push(...b);
      expect(out).toEqual([
        [true, 'yes'],
        [false, 'Y'],
        [null, 'N'],
        [true, true],
        [false, '1'],
      ]);
    } finally {
      await adapter.close();
    }
  });

  it('windows a timestamp and a timestamptz column alike when the connection has a time zone', async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    // One event at 15:00Z, 10:00 in New York: the naive column holds New York wall clock.
    await c.query(`CREATE TABLE tzw (id int, naive timestamp, aware timestamptz);
      INSERT INTO tzw VALUES (1, '2026-11-20 10:00', '2026-11-20 15:00Z'), (2, '2026-11-20 13:00', '2026-11-20 18:00Z')`);
    await c.end();
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    try {
      const ids = async (column: string) => {
        const out: RawValue[][] = [];
        for await (const b of adapter.read({
          table: 'tzw',
          columns: ['id'],
          window: {
            column,
            since: new Date('2026-11-20T13:00:00Z'),
            until: new Date('2026-11-20T17:00:00Z'),
            timezone: 'America/New_York',
            naive: true,
          },
        }))
          out.push(...b);
        return out.map((r) => r[0]);
      };
      expect(await ids('naive')).toEqual(['1']);
      expect(await ids('aware')).toEqual(['1']);
    } finally {
      await adapter.close();
    }
  });

  it('refuses a write attempted inside a readOnly read, and nothing is written', async () => {
    const ro = createAdapter({ name: 'legacy', url: db.url, readOnly: true }, ctx);
    await ro.connect();
    let err: unknown;
    try {
      await rows(ro, "SELECT nextval('cutover_seq') AS n", ['n']);
    } catch (e) {
      err = e;
    } finally {
      await ro.close();
    }
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/read-only/);
    expect((err as Error).message).toContain('"legacy"');
    const rw = createAdapter({ name: 'target', url: db.url }, ctx);
    await rw.connect();
    try {
      expect(await rows(rw, "SELECT nextval('cutover_seq') AS n", ['n'])).toEqual([['1']]);
      expect((await rw.info()).readOnly).toBe(false);
    } finally {
      await rw.close();
    }
  });

  it('gives its write side int8, numeric and timestamptz back as exact strings, in UTC', async () => {
    const adapter = createAdapter({ name: 'target', url: db.url }, ctx);
    await adapter.connect();
    try {
      const k = (await adapter.writer!()).knex;
      await k('Order').insert({
        Order: '9223372036854775807',
        amount: '12345678901234567.8901',
        at: '2024-05-01 12:00:00+02',
      });
      const [row] = await k('Order').select('*');
      expect(row).toEqual({
        Order: '9223372036854775807',
        amount: '12345678901234567.8901',
        at: '2024-05-01 10:00:00+00',
      });
      const [cnt] = await k('Order').count({ n: '*' });
      expect(cnt).toEqual({ n: '1' });
    } finally {
      await adapter.close();
    }
  });

  it('applies backpressure: the server waits while the consumer holds a batch', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
      await adapter.connect();
      try {
        const reading = adapter.read({ table: 'wide', columns: ['id', 'pad'], batchSize: 1000 });
        const it = reading[Symbol.asyncIterator]();
        const first = await it.next();
        expect(first.value.length).toBeGreaterThanOrEqual(1000); // a hint: whole chunks are parsed
        expect(first.value.length).toBeLessThan(3000);
        await new Promise((r) => setTimeout(r, 500));
        // ~40 MB were asked for; with the consumer stalled, the COPY must still be running on the
        // server, blocked writing to us, not finished into our memory.
        const { rows: activity } = await admin.query(
          'SELECT state, wait_event FROM pg_stat_activity WHERE query LIKE \'COPY (SELECT "id", "pad" FROM "wide"%\' AND pid <> pg_backend_pid()',
        );
        expect(activity).toEqual([{ state: 'active', wait_event: 'ClientWrite' }]);
        let n = first.value.length;
        for (let r = await it.next(); !r.done; r = await it.next()) n += r.value.length;
        expect(n).toBe(300000);
      } finally {
        await adapter.close();
      }
    } finally {
      await admin.end();
    }
  });

  it('reads through notices sent in the middle of the COPY, and reports an error raised after rows have streamed', async () => {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`CREATE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN
        IF i % 10000 = 0 THEN RAISE NOTICE 'row %', i; END IF;
        IF i = 250000 THEN RETURN i / 0; END IF;
        RETURN i;
      END $$`);
    await admin.end();
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    try {
      const got = await rows(adapter, 'SELECT noisy(g) AS n, g % 7 AS m FROM generate_series(1, 200000) g', [
        'n',
        'm',
      ]);
      expect(got.length).toBe(200000);
      expect(got[199999]).toEqual(['200000', String(200000 % 7)]);
      expect(got.every((r, i) => r[0] === String(i + 1))).toBe(true);
      // The server fails at row 250,000, some 3 MB into the COPY: the rows before it were sent.
      const err = await rows(adapter, 'SELECT noisy(g) AS n FROM generate_series(1, 300000) g', ['n']).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CutoverError);
      expect((err as Error).message).toMatch(/division by zero/);
      // The adapter reads on.
      expect(await rows(adapter, 'SELECT 7 AS n', ['n'])).toEqual([['7']]);
    } finally {
      await adapter.close();
    }
  });

  it('ends a COPY as a query for pg: its query_timeout cleared, a COPY FROM refused, the client usable after', async () => {
    const client = new pg.Client({ connectionString: db.url, query_timeout: 300 });
    await client.connect();
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    try {
      const read = async (sql: string) => {
        const parts: Buffer[] = [];
        for await (const b of client.query(new CopyOut(sql))) parts.push(Buffer.from(b));
        return Buffer.concat(parts).toString();
      };
      // pg arms a timer per query with a query_timeout, cleared when the query calls back as it ends.
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      expect(await read('COPY (SELECT g FROM generate_series(1, 3) g) TO STDOUT')).toBe('1\n2\n3\n');
      expect(timers()).toBe(before);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.query('CREATE TEMP TABLE sink (n int)');
      const err = await read('COPY sink FROM STDIN').catch((e: unknown) => e);
      // The CopyInResponse ends the read; pg is told to refuse it, so the server does not wait for data.
      expect((err as Error).message).toMatch(/interrupted by a message of type G/);
      expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
      expect(errors).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('closes while a read is abandoned half-way, ending its session', async () => {
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    const it = adapter.read({ table: 'wide', columns: ['id'] })[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    await adapter.close(); // would wait forever for the lent client
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY%wide%' AND pid <> pg_backend_pid()",
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('suggests the closest column or table when one does not exist', async () => {
    const adapter = createAdapter({ name: 'cloud', url: db.url }, ctx);
    await adapter.connect();
    try {
      const col = await adapter
        .checkColumns({ table: 'Order', columns: ['amount', 'Ordr'] })
        .catch((e: unknown) => e);
      expect(col).toBeInstanceOf(DataError);
      expect((col as DataError).message).toContain('the column Ordr does not exist in the table Order');
      expect((col as DataError).hint).toContain('Did you mean "Order"?');
      const tab = await adapter.checkColumns({ table: 'Ordr', columns: ['amount'] }).catch((e: unknown) => e);
      expect((tab as DataError).message).toContain('the table Ordr does not exist');
      expect((tab as DataError).hint).toContain('Did you mean "Order"?');
    } finally {
      await adapter.close();
    }
  });

  it('reports a connection lost in the middle of a read as a ConnectionError', async () => {
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const it = adapter.read({ table: 'wide', columns: ['id', 'pad'] })[Symbol.asyncIterator]();
      await it.next();
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY%wide%' AND pid <> pg_backend_pid()",
      );
      const err = await (async () => {
        for (let r = await it.next(); !r.done; r = await it.next());
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect((err as Error).message).toMatch(/lost while reading the table wide/);
    } finally {
      await admin.end();
      await adapter.close();
    }
  });

  it('survives a checked-out connection being closed by the server, and goes on reading', async () => {
    // pg emits 'error' on a client whose socket closes; the pool only listens while the client is
    // idle. A checked-out client losing its server (a COPY in flight, CI under load) was an uncaught
    // exception that killed the process. Here the close lands while the client is checked out.
    const adapter = createAdapter({ name: 'legacy', url: db.url }, ctx);
    await adapter.connect();
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const client = await (adapter as unknown as { acquire(): Promise<pg.PoolClient> }).acquire();
      const pid = (client as unknown as { processID: number }).processID;
      const ended = new Promise((r) => client.once('end', r));
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await ended;
      await new Promise((r) => setImmediate(r));
      client.release(true);
      expect(await rows(adapter, 'SELECT 7 AS n', ['n'])).toEqual([['7']]);
    } finally {
      await admin.end();
      await adapter.close();
    }
  });

  it('reports an unreachable host as a ConnectionError that names the connection and hides the password', async () => {
    const err = await connectFailure('postgres://alice:Sup3rS3cretPw@127.0.0.1:1/erp');
    expect(err.message).toContain('"legacy"');
    expect(err.message).toContain('postgres://alice:***@127.0.0.1:1/erp');
    expect(err.message).toMatch(/refused/);
    expect(err.hint).toMatch(/running/);
    expect(err.paragraph()).not.toContain('Sup3rS3cretPw');
  });

  it('reports a database that does not exist, without the password', async () => {
    const u = new URL(db.url);
    u.password = 'An0therS3cret';
    u.pathname = '/cutover_no_such_db';
    const err = await connectFailure(u.toString());
    expect(err.message).toMatch(/database does not exist/);
    expect(err.message).toContain('cutover_no_such_db');
    expect(err.paragraph()).not.toContain('An0therS3cret');
  });

  it('reports a wrong password as authentication failed, without the password', async () => {
    const server = await passwordRejectingServer();
    try {
      const err = await connectFailure(`postgres://alice:Wr0ngPassw0rd@127.0.0.1:${server.port}/erp`);
      expect(server.received).toEqual(['Wr0ngPassw0rd']); // the password really was sent and refused
      expect(err.message).toMatch(/authentication failed/);
      expect(err.message).toContain('alice');
      expect(err.hint).toMatch(/password/);
      expect(err.paragraph()).not.toContain('Wr0ngPassw0rd');
    } finally {
      await server.close();
    }
  });

  it('reports a url it cannot parse as a ConnectionError', async () => {
    const err = await connectFailure('postgres://alice:pw@[bad/erp');
    expect(err.message).toContain('"legacy"');
  });
});
