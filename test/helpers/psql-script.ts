import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresDatabase } from '../../src/db/postgres.js';

/**
 * Runs a psql script (such as pg_dump output) without psql, on one session as psql would:
 * SQL runs as multi-statement queries, `COPY ... FROM stdin;` blocks stream their data lines up to `\.`,
 * and other backslash commands (\c, \connect, \set) are skipped: the caller has already chosen the database.
 * The session is discarded afterwards, so settings such as pg_dump's empty search_path do not leak.
 */
export async function runPsqlScript(db: PostgresDatabase, script: string): Promise<void> {
  const client = await db.pool.connect();
  try {
    const lines = script.split('\n');
    let sql: string[] = [];
    const flush = async () => {
      const text = sql.join('\n').trim();
      sql = [];
      if (text !== '') await client.query(text);
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (/^COPY\s.+\sFROM\s+stdin;\s*$/i.test(line)) {
        await flush();
        const data: string[] = [];
        for (i++; i < lines.length && lines[i] !== '\\.'; i++) data.push(`${lines[i]}\n`);
        await pipeline(Readable.from(data), client.query(copyFrom(line.replace(/;\s*$/, ''))));
        continue;
      }
      if (/^\\/.test(line)) continue;
      sql.push(line);
    }
    await flush();
  } finally {
    client.release(true);
  }
}
