import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { examples } from '../../examples/index.js';
import { runCopy } from '../../src/app/copy.js';
import { runGenerate } from '../../src/app/generate.js';
import { BinaryRows, binaryEncoderFor, decimalToNumeric } from '../../src/copy/binary.js';
import { encoderFor, Invalid } from '../../src/copy/encode.js';
import { SQLITE, sqliteCopy } from '../helpers/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { projectWithPlan } from '../helpers/project.js';

// SQLite values as better-sqlite3 hands them over (text as strings, or as Buffers when read as bytes; integers
// as BigInt; reals as numbers), per target type: the ordinary, the edges, and what must be refused.
const CASES: Record<string, unknown[]> = {
  smallint: [0n, -32768n, 32767n, 32768n, ' 12 ', '1.5', 3.0, 2.5],
  integer: [1n, -2147483648n, 2147483648n, '-7', 'x'],
  bigint: [
    0n,
    -9223372036854775808n,
    9223372036854775807n,
    9007199254740993n,
    -1n,
    4294967296n,
    '+42',
    1e300,
  ],
  'double precision': [
    0.1,
    -0,
    0,
    5e-324,
    1.7976931348623157e308,
    Number.POSITIVE_INFINITY,
    42n,
    '3.14',
    '1e400',
    '1e-400',
    '-0.0',
    ' 2.5 ',
    'nan',
  ],
  real: [0.1, 1.5, 3.4e38, 1e39, 1e-50, 1e-45, Number.NEGATIVE_INFINITY, '2.718281828', '1e-60', 7n],
  numeric: [
    '1.50',
    '0.000',
    '-0.0',
    '1e3',
    '1.25e-3',
    '00012.3400',
    12.5,
    1e21,
    1.5e-7,
    7n,
    '-12345678901234567890.123456789',
    '1e-16383',
    '1e-16384',
    Number.POSITIVE_INFINITY,
    '.5',
    '5.',
  ],
  'numeric(10,2)': ['1.005', '-1.005', '2.5', 0.125, '99.999', '12345678.99'],
  'numeric(12,0)': ['0.5', '-2.5', '12'],
  boolean: [0n, 1n, 2n, 'yes', 'F', ' true ', 'maybe'],
  uuid: [
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    ' a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ',
    '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1g',
    'a0eebc999c0b4ef8bb6d6bb9bd380a11',
  ],
  text: [
    '',
    'plain',
    'tab\tnew\nline\r\\back',
    'héllo 😀',
    'NULL',
    'a\u0000b',
    Buffer.from([0x66, 0x96]),
    Buffer.from('bytes ok'),
    42n,
    1.5,
  ],
  'character varying(5)': ['short', 'toolong', 'héllo', '😀😀😀😀😀'],
  'character(4)': ['ab', 'abcd', 'abcde'],
  jsonb: [
    '{"b": 1, "a": [1.50, 1e2, -0]}',
    '[]',
    '{}',
    '"x\\"y\\u0001"',
    '{\n\t"k": "a\\tb"}',
    '{"s": "\\ud800"}',
    '{"n": "\\u0000"}',
    '{"a": 1,}',
    12n,
    1.5,
    '{"pair": "\\ud83d\\ude00"}',
  ],
  json: ['{ "b" : 1 , "a" : 2 }', '{"s": "\\ud800"}', '[1,'],
  'timestamp with time zone': [
    '2024-01-02 03:04:05',
    '2024-01-02T03:04:05.123456Z',
    '2024-01-02 03:04:05.5+02:00',
    '2024-01-02 23:30-0530',
    '2024-02-29',
    '0099-01-01 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 23:59:60',
    '2024-01-01 23:59:59.9999995',
    '2024-02-30',
    '2024-01-01 12:00:00+16',
    'tomorrow',
    1700000000n,
    1700000000.25,
    '9999-12-31 23:59:59.9999999',
    '1900-01-01 00:00:00.0000015',
  ],
  'timestamp without time zone': [
    '2024-01-02 03:04:05.000100',
    '2024-01-02T03:04:05+05',
    '2300-06-01 12:00:00',
  ],
  date: ['2024-12-31', '2024-12-31 23:59:59', '2024-01-01 24:00:00', 1700000000n, '2023-02-29'],
  'time without time zone': [
    '2024-01-01 12:34:56.789',
    '2024-01-01T12:00:00Z',
    '2024-01-01 24:00:00',
    '2024-01-01 23:59:60',
    '2024-01-01',
  ],
  bytea: [Buffer.from([0, 255, 16]), 'text bytes', Buffer.alloc(0)],
  'real[]': ['[0.1, 2, -3.5]', '[]', '[null, 1e39]', '["1.5", 2]'],
  'double precision[]': ['[0.1, 1e300, null]', '[[1], 2]'],
  'integer[]': ['[1, null, 3]', '[1.5]', '["12", 2147483648]', '{"a": 1}'],
  'bigint[]': ['[9007199254740991, -1]'],
  'smallint[]': ['[1, 40000]'],
  'text[]': ['["a", "b c", "", "NULL", "q\\"x", "{}", null, 5, true]', '["a\\u0000b"]', '[["nested"]]'],
  'boolean[]': ['[true, false, null, 1]'],
};

/** One value COPYed alone, as text or as binary: what the table then holds (as text), or the server's error. */
async function copyOne(
  client: pg.Client,
  type: string,
  data: string | Buffer,
  binary: boolean,
): Promise<{ value: string | null } | { error: string }> {
  await client.query(`DROP TABLE IF EXISTS v; CREATE TABLE v (x ${type})`);
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = client.query(copyFrom(`COPY v (x) FROM STDIN${binary ? ' (FORMAT binary)' : ''}`));
      stream.on('finish', resolve).on('error', reject);
      stream.end(data);
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  const { rows } = await client.query<{ t: string | null }>('SELECT x::text AS t FROM v');
  return { value: rows[0]!.t };
}

describe('binary COPY', () => {
  it('every value: the same rows stored, or refused, as through COPY text', async () => {
    const { url } = await createTestDatabase('binary');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("SET TIME ZONE 'UTC'");
    let stored = 0;
    let refused = 0;
    try {
      for (const [type, values] of Object.entries(CASES)) {
        const encode = encoderFor({ name: 'x', type });
        const binary = binaryEncoderFor(type, false);
        expect(binary, type).not.toBeNull();
        for (const value of values) {
          const label = `${type} ${Buffer.isBuffer(value) ? `<${value.toString('hex')}>` : String(value)}`;
          const text = encode(value);
          const out = new BinaryRows();
          out.header();
          out.beginRow(1);
          const bad = binary!(value, out);
          out.trailer();
          const viaText = text instanceof Invalid ? null : await copyOne(client, type, `${text}\n`, false);
          if (bad !== undefined) {
            // Refused by the binary encoder: by the text encoder too, or by the server reading the text.
            expect(
              viaText === null || 'error' in viaText,
              `${label}: binary refuses (${bad.reason}), text stores it`,
            ).toBe(true);
            refused++;
            continue;
          }
          expect(text instanceof Invalid ? `refused as text: ${text.reason}` : 'ok', label).toBe('ok');
          const viaBinary = await copyOne(client, type, out.take(), true);
          expect(viaBinary, label).toEqual(viaText);
          stored++;
        }
      }
    } finally {
      await client.end();
    }
    expect(stored).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(30);
  });

  it('numeric digits, weight and scale as numeric_in makes them', () => {
    expect(decimalToNumeric('12345.678')).toEqual({ digits: [1, 2345, 6780], weight: 1, sign: 0, dscale: 3 });
    expect(decimalToNumeric('-0.00125')).toEqual({ digits: [12, 5000], weight: -1, sign: 0x4000, dscale: 5 });
    expect(decimalToNumeric('1e8')).toEqual({ digits: [1], weight: 2, sign: 0, dscale: 0 });
    expect(decimalToNumeric('-0.0')).toEqual({ digits: [], weight: 0, sign: 0, dscale: 1 });
    expect(decimalToNumeric('1e-16384')).toBeNull();
  });
});

/** Every table of the target's service schemas as the multiset of its rows' text (encrypted columns decrypted). */
async function contents(db: TestDatabase, key: string): Promise<Record<string, string>> {
  const tables = await db.db.query<{ t: string; cols: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS t,
            string_agg(CASE WHEN data_type = 'bytea' AND column_name = 'secret' THEN format('pgp_sym_decrypt(%I, $1)', column_name)
                            ELSE format('%I::text', column_name) END, ', ' ORDER BY ordinal_position) AS cols
       FROM information_schema.columns
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'cleave', 'public')
      GROUP BY 1 ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t, cols } of tables) {
    const [row] = await db.db.query<{ n: string; h: string }>(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS h FROM (SELECT ROW(${cols})::text AS r FROM ${t}) x`,
      cols.includes('$1') ? [key] : [],
    );
    out[t] = `${row!.n} rows ${row!.h}`;
  }
  return out;
}

describe('binary and text COPY of whole monoliths', () => {
  it.each(['seo-content', 'chinook'] as const)(
    '%s: the same rows in every table either way',
    async (name) => {
      const { dir } = await projectWithPlan('sqlite:unused', { plan: '' });
      let source: string;
      let planText: string;
      if (name === 'seo-content') {
        source = join(dir, 'monolith.sqlite');
        await examples['seo-content'].build({ url: `sqlite:${source}`, scale: 1 });
        planText = (await readFile(join(examples['seo-content'].dir, 'cleave.yaml'), 'utf8')).replace(
          'sqlite:./monolith.sqlite',
          `sqlite:${source}`,
        );
      } else {
        source = await sqliteCopy(...SQLITE.chinook);
        planText = `version: 1\nsource: { url: "sqlite:${source}" }\nservices:\n  catalog: { tables: [Artist, Album, Track, Genre, MediaType] }\n  sales: { tables: [Customer, Employee, Invoice, InvoiceLine] }\n  playlists: { tables: [Playlist, PlaylistTrack] }\n`;
      }
      const key = 'binary-or-text';
      const env = { ...process.env, CLEAVE_SECRET_KEY: key };
      const results: Record<string, string>[] = [];
      for (const format of ['binary', 'text'] as const) {
        const target = await createTestDatabase(`copy_${format}`);
        const { plan } = await projectWithPlan(`sqlite:${source}`, { plan: planText, targetUrl: target.url });
        await runGenerate({ planPath: plan });
        // The binary copy reads in worker threads, the text one in this thread.
        const threads = format === 'binary' ? 2 : 0;
        const result = await runCopy({ planPath: plan, create: true, chunkRows: 3000, format, threads, env });
        expect(result.rejected).toBe(0);
        expect(new Set(result.tables.map((t) => t.format))).toEqual(new Set([format]));
        results.push(await contents(target, key));
      }
      expect(Object.keys(results[0]!).length).toBeGreaterThan(7);
      expect(results[0]).toEqual(results[1]);
    },
  );
});
