import type { Adapter, AdapterFactory, ConnectionInfo, RawValue, ReadRequest } from '../types.js';
import type { ConnectionConfig } from '../settings.js';
import { ConnectionError, MappingError } from '../../errors.js';
import { redactUrl, registerSecret } from '../../util/redact.js';

/** A response as replay needs it: the status and a short excerpt of the body for messages. */
export interface HttpResponse {
  status: number;
  bodyExcerpt: string;
}

/**
 * An HTTP API as a replay target: requests go to paths under the connection's URL with the
 * connection's `headers` (credentials stay out of every message). It is write-only: nothing is
 * read from it for reconciliation.
 */
export class HttpAdapter implements Adapter {
  readonly dialect = 'http' as const;
  readonly readOnly: boolean;
  readonly name: string;
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(conn: ConnectionConfig) {
    this.name = conn.name;
    this.readOnly = conn.readOnly ?? false;
    this.headers = { ...(conn.headers ?? {}) };
    this.baseUrl = withoutCredentials(conn.url, this.headers).replace(/\/+$/, '');
  }

  /** Nothing to open: each request stands alone; `info()` checks reachability. */
  async connect(): Promise<void> {}

  /** A timed HEAD of the base URL (any HTTP answer means the server is there). */
  async info(): Promise<ConnectionInfo> {
    const t0 = performance.now();
    let res: Response;
    try {
      res = await fetch(this.baseUrl, {
        method: 'HEAD',
        headers: this.headers,
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      throw new ConnectionError(
        `Connection "${this.name}": ${redactUrl(this.baseUrl)} did not answer (${(err as Error).message}).`,
        'Check the URL and that the service is reachable from here.',
        { cause: err },
      );
    }
    return {
      dialect: 'http',
      serverVersion: res.headers.get('server') ?? `HTTP ${res.status}`,
      latencyMs: performance.now() - t0,
      readOnly: this.readOnly,
    };
  }

  /** Sends one request to `path` under the base URL; network failures are thrown as they are (retry decides). */
  async send(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    timeoutMs = 30_000,
  ): Promise<HttpResponse> {
    const url = this.baseUrl + (path.startsWith('/') ? path : `/${path}`);
    const res = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...this.headers,
        ...headers,
      },
      body: body === undefined || method === 'GET' ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, bodyExcerpt: text.slice(0, 300) };
  }

  /** Not SQL. */
  /** Nothing is read from an HTTP API, so nothing is aged against its clock: this machine's. */
  async clock(): Promise<Date> {
    return new Date();
  }

  describeRead(): undefined {
    return undefined;
  }

  // eslint-disable-next-line require-yield
  async *read(_req: ReadRequest): AsyncIterable<RawValue[][]> {
    throw this.notReadable();
  }

  async checkColumns(): Promise<void> {
    throw this.notReadable();
  }

  async close(): Promise<void> {}

  private notReadable(): MappingError {
    return new MappingError(
      `Connection "${this.name}" is an HTTP API: it can be a replay target, but nothing can be read from it.`,
      'Use a database or csv: connection for reconcile mappings and outbox tables.',
    );
  }
}

/**
 * fetch refuses a URL that carries credentials: `https://user:pw@host/api` becomes the URL without
 * them plus `Authorization: Basic …` (unless the connection sets its own Authorization header).
 */
function withoutCredentials(url: string, headers: Record<string, string>): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // the request reports it
  }
  if (!u.username && !u.password) return url;
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text; // a literal % that is not an escape
    }
  };
  const basic = Buffer.from(`${decode(u.username)}:${decode(u.password)}`).toString('base64');
  registerSecret(basic);
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'))
    headers.Authorization = `Basic ${basic}`;
  u.username = '';
  u.password = '';
  return u.toString();
}

export const httpFactory: AdapterFactory = {
  schemes: ['http', 'https'],
  create: (conn) => new HttpAdapter(conn),
};
