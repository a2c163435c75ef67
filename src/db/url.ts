import { isAbsolute, resolve } from 'node:path';
import { CleaveError } from '../core/errors.js';
import { redactUrl } from '../core/redact.js';

export type ParsedUrl =
  | { engine: 'sqlite'; path: string; display: string }
  /** `embedded:NAME`: database NAME on Cleave's embedded PostgreSQL under .cleave/. */
  | { engine: 'embedded'; database: string; display: string }
  | {
      engine: 'postgres';
      /** The URL given to the driver: pooler-only parameters removed. */
      connectionString: string;
      display: string;
      /** `connection_limit` from the URL (Prisma's convention), when present. */
      connectionLimit?: number | undefined;
      /** The URL names a transaction-mode pooler (`pgbouncer=true`, or Supabase's pooler port 6543). */
      pooled: boolean;
      database: string;
    };

const POOLER_ONLY_PARAMS = ['pgbouncer', 'connection_limit', 'pool_timeout', 'schema'];

/**
 * Accepted forms: `sqlite:PATH`, `sqlite://PATH`, `file:PATH`, a bare path ending in .db/.sqlite/.sqlite3,
 * and `postgres://` / `postgresql://` URLs. Relative SQLite paths resolve against `baseDir`.
 */
export function parseDatabaseUrl(url: string, baseDir: string = process.cwd()): ParsedUrl {
  const trimmed = url.trim();
  if (trimmed === '') {
    throw new CleaveError('BAD_URL', 'the database URL is empty', {
      hint: 'give a URL such as sqlite:./app.db or postgres://user@host:5432/db',
    });
  }
  const embedded = /^embedded:(?:\/\/)?([A-Za-z_][A-Za-z0-9_]*)?$/i.exec(trimmed);
  if (embedded) {
    const database = embedded[1] ?? 'postgres';
    return { engine: 'embedded', database, display: `embedded:${database}` };
  }
  const sqlite = /^(?:sqlite:(?:\/\/)?|file:)(.+)$/i.exec(trimmed);
  if (sqlite || /\.(?:db|sqlite|sqlite3)$/i.test(trimmed)) {
    const raw = sqlite ? sqlite[1]! : trimmed;
    const path = isAbsolute(raw) ? raw : resolve(baseDir, raw);
    return { engine: 'sqlite', path, display: `sqlite:${raw}` };
  }
  if (/^postgres(?:ql)?:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch (cause) {
      throw new CleaveError('BAD_URL', `cannot parse the PostgreSQL URL ${redactUrl(trimmed)}`, {
        hint: 'use postgres://user:password@host:5432/database (percent-encode special characters in the password)',
        cause,
      });
    }
    const limit = parsed.searchParams.get('connection_limit');
    const pooled = parsed.searchParams.get('pgbouncer') === 'true' || parsed.port === '6543';
    for (const param of POOLER_ONLY_PARAMS) parsed.searchParams.delete(param);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
    const connectionLimit = limit === null ? undefined : Number.parseInt(limit, 10);
    return {
      engine: 'postgres',
      connectionString: parsed.toString(),
      display: redactUrl(parsed.toString()),
      connectionLimit: Number.isFinite(connectionLimit) ? connectionLimit : undefined,
      pooled,
      database,
    };
  }
  throw new CleaveError('BAD_URL', `unsupported database URL ${redactUrl(trimmed)}`, {
    hint: 'Cleave reads sqlite:PATH, postgres://... and embedded:NAME URLs',
  });
}

/** `connection_limit` of a PostgreSQL URL (Prisma's convention), when it has one: how many sessions Cleave may hold. */
export function connectionLimitOf(url: string, baseDir?: string): number | undefined {
  const parsed = parseDatabaseUrl(url, baseDir);
  return parsed.engine === 'postgres' ? parsed.connectionLimit : undefined;
}

/** The server a URL names, as `host:port` (local addresses and sockets as `local`), or null for SQLite. */
function serverOf(url: string, baseDir?: string): string | null {
  const parsed = parseDatabaseUrl(url, baseDir);
  if (parsed.engine === 'sqlite') return null;
  if (parsed.engine === 'embedded') return 'embedded';
  const u = new URL(parsed.connectionString);
  const host = decodeURIComponent(u.searchParams.get('host') ?? u.hostname).replace(/^\[|\]$/g, '');
  const local = host === '' || host.startsWith('/') || ['localhost', '127.0.0.1', '::1'].includes(host);
  return `${local ? 'local' : host.toLowerCase()}:${u.searchParams.get('port') ?? (u.port || '5432')}`;
}

/**
 * Whether two URLs name the same PostgreSQL server (the same host, local addresses alike, and port): its
 * sessions then share the server's cores. False when either is SQLite or cannot be read.
 */
export function sameServer(a: string, b: string, baseDir?: string): boolean {
  try {
    const x = serverOf(a, baseDir);
    return x !== null && x === serverOf(b, baseDir);
  } catch {
    return false;
  }
}
