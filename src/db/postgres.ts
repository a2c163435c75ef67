import pg from 'pg';
import { CleaveError, messageOf } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import type { Capabilities, Database, Row } from './port.js';

const CAPABILITIES: Capabilities = {
  copy: true,
  schemas: true,
  transactionalDdl: true,
  advisoryLocks: true,
  exactCountsAreCheap: false,
};

// Connection-level SQLSTATE classes and Node socket errors that mean "the server is not there".
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  '57P03',
  '3D000',
  '28P01',
  '28000',
]);

export interface PostgresOptions {
  connectionString: string;
  display: string;
  /** Upper bound of pooled connections (defaults to 4; a URL's connection_limit wins). */
  max?: number | undefined;
  role?: 'source' | 'target' | undefined;
}

export class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  readonly capabilities = CAPABILITIES;
  readonly displayUrl: string;
  readonly pool: pg.Pool;
  private readonly role: 'source' | 'target';

  constructor(options: PostgresOptions) {
    this.displayUrl = options.display;
    this.role = options.role ?? 'source';
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 4,
      connectionTimeoutMillis: 15_000,
      application_name: 'cleave',
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on('error', () => {});
  }

  async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      const result = await this.pool.query(sql, params as unknown[]);
      return result.rows as T[];
    } catch (error) {
      throw this.wrap(error);
    }
  }

  /** Verifies that the server answers, with an error that tells the user what to check. */
  async ping(): Promise<void> {
    await this.query('select 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private wrap(error: unknown): Error {
    return wrapPgError(error, this.displayUrl, this.role);
  }
}

/** A driver error as the user should see it: unreachable servers named (redacted), with what to check. */
export function wrapPgError(error: unknown, displayUrl: string, role: 'source' | 'target'): Error {
  const code = (error as { code?: string }).code ?? '';
  if (UNREACHABLE.has(code)) {
    const what = role === 'source' ? 'source' : 'target';
    return new CleaveError(
      role === 'source' ? 'SOURCE_UNREACHABLE' : 'TARGET_UNREACHABLE',
      `cannot reach the ${what} database ${displayUrl}: ${redactText(messageOf(error))}`,
      {
        hint:
          code === '3D000'
            ? 'the database does not exist: create it or correct the URL'
            : code === '28P01' || code === '28000'
              ? 'the server refused the credentials: check the user and password in the URL'
              : 'check that the server is running and the host, port and database in the URL are right',
        cause: error,
      },
    );
  }
  if (error instanceof Error) {
    error.message = redactText(error.message);
    return error;
  }
  return new Error(redactText(String(error)));
}

/**
 * One dedicated connection (not pooled): for work that needs a session of its own, such as holding an
 * advisory lock while running migrations.
 */
export async function openSession(
  connectionString: string,
  displayUrl: string,
  role: 'source' | 'target' = 'target',
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: 15_000,
    application_name: 'cleave',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw wrapPgError(error, displayUrl, role);
  }
  return client;
}
