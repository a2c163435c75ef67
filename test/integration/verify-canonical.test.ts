import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { encoderFor, Invalid } from '../../src/copy/encode.js';
import {
  CANONICAL_SESSION,
  canonicalizerFor,
  canonicalSql,
  parseRowText,
  pgFloat,
  rowSql,
  rowText,
} from '../../src/verify/canonical.js';
import { HashSum, hashSql, rowHash } from '../../src/verify/hash.js';
import { createTestDatabase } from '../helpers/pg.js';

// SQLite values as better-sqlite3 returns them (text as Buffers, integers as BigInt), per target type.
const CASES: Record<string, unknown[]> = {
  bigint: [0n, -9223372036854775808n, 9223372036854775807n, Buffer.from(' 42 ')],
  integer: [1n, -2147483648n],
  boolean: [0n, 1n, Buffer.from('yes'), Buffer.from('F')],
  text: [
    Buffer.from(''),
    Buffer.from('plain'),
    Buffer.from('a,b'),
    Buffer.from('quote " and \\ backslash'),
    Buffer.from('tab\tnew\nline (paren)'),
    Buffer.from('héllo 😀'),
    Buffer.from('NULL'),
  ],
  'character(5)': [Buffer.from('ab'), Buffer.from('abcde')],
  'character varying(10)': [Buffer.from('short')],
  uuid: [
    Buffer.from('A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
    Buffer.from('00000000-0000-0000-0000-000000000000'),
  ],
  numeric: [
    Buffer.from('1.50'),
    Buffer.from('0.000'),
    Buffer.from('-0.0'),
    Buffer.from('1e3'),
    Buffer.from('1.25e-3'),
    Buffer.from('00012.3400'),
    12.5,
    1e21,
    1.5e-7,
    7n,
  ],
  'numeric(10,2)': [
    Buffer.from('1.005'),
    Buffer.from('-1.005'),
    Buffer.from('2.5'),
    0.125,
    Buffer.from('99.999'),
  ],
  'numeric(12,0)': [Buffer.from('0.5'), Buffer.from('-2.5'), Buffer.from('12')],
  'double precision': [
    0.1,
    1e15,
    1e14,
    1.5e-5,
    0.0001,
    123456789012345680000,
    -0,
    5e-324,
    1.7976931348623157e308,
    Buffer.from('3.14'),
    42n,
  ],
  real: [0.1, 1.5, 3.4e38, 1e-10, Buffer.from('2.718281828')],
  jsonb: [
    Buffer.from('{"b": 1, "a": [1.50, 1e2, 1.50e1, -0, 1e-2], "aa": "\\u00e9\\n", "a": 2}'),
    Buffer.from('[]'),
    Buffer.from('{}'),
    Buffer.from('"x\\"y\\u0001"'),
    Buffer.from('{"longer key": {"z": null, "y": true}, "k": false}'),
    Buffer.from('{"\\u00e9": 1, "ab": 2, "b": [true, "\\u00e9\\t"]}'),
    Buffer.from('{"zz": 1, "é": 2, "a": -0}'),
    Buffer.from('{"b":1,"a":2,"b":3,"ccc":"x y","dd":null,"e":-0,"f":false,"g":123456789012345}'),
    Buffer.from(' { "only" : true } '),
    Buffer.from('{"n":1234567890123456,"m":1.0,"s":"tab\\t"}'),
    12n,
  ],
  json: [Buffer.from('{ "b" : 1 , "a" : 2 }')],
  bytea: [Buffer.from([0, 255, 16]), Buffer.from('text bytes')],
  'timestamp with time zone': [
    Buffer.from('2024-01-02 03:04:05'),
    Buffer.from('2024-01-02T03:04:05.123456Z'),
    Buffer.from('2024-01-02 03:04:05.5+02:00'),
    Buffer.from('2024-01-02 23:30-0530'),
    Buffer.from('2024-02-29'),
    Buffer.from('0099-01-01 00:00:00'),
    1700000000n,
    1700000000.25,
  ],
  'timestamp without time zone': [
    Buffer.from('2024-01-02 03:04:05.000100'),
    Buffer.from('2024-01-02T03:04:05+05'),
  ],
  date: [Buffer.from('2024-12-31'), Buffer.from('2024-12-31 23:59:59'), 1700000000n],
  'time without time zone': [Buffer.from('2024-01-01 12:34:56.789')],
  'real[]': [Buffer.from('[0.1, 2, -3.5]'), Buffer.from('[]')],
  'integer[]': [Buffer.from('[1, null, 3]')],
  'text[]': [Buffer.from('["a", "b c", "", "NULL", "q\\"x", "{}"]')],
};

describe('canonical row encoding: PostgreSQL SQL and JavaScript agree', () => {
  it('every value copied into its type prints the same canonical text in SQL as in JavaScript', async () => {
    const { url } = await createTestDatabase('canonical');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // A session whose settings differ from the canonical ones: verify must set its own.
      await client.query(
        `SET TIME ZONE 'America/New_York'; SET extra_float_digits = 3; SET bytea_output = 'escape'`,
      );
      for (const sql of CANONICAL_SESSION) await client.query(sql);
      let checked = 0;
      for (const [type, values] of Object.entries(CASES)) {
        await client.query(`DROP TABLE IF EXISTS v; CREATE TABLE v (i int, x ${type})`);
        const canonical = canonicalizerFor(type);
        expect(canonical, type).not.toBeNull();
        const encode = encoderFor({ name: 'x', type });
        const lines = values.map((v, i) => {
          const e = encode(v);
          if (e instanceof Invalid) throw new Error(`${type} ${String(v)}: ${e.reason}`);
          return `${i}\t${e}\n`;
        });
        await new Promise<void>((resolve, reject) => {
          const stream = client.query(copyFrom('COPY v (i, x) FROM STDIN'));
          stream.on('finish', resolve).on('error', reject);
          stream.end(lines.join(''));
        });
        const { rows } = await client.query<{ i: number; t: string; h: string }>(
          `SELECT i, ${rowSql(['i', canonicalSql('x', type)])} AS t, ${hashSql(rowSql(['i', canonicalSql('x', type)]))}::text AS h FROM v ORDER BY i`,
        );
        rows.forEach((r) => {
          const js = canonical!(values[r.i]);
          const text = rowText([String(r.i), js as string | null]);
          expect(text, `${type} ${String(values[r.i])}`).toBe(r.t);
          expect(rowHash(text).toString(), `${type} hash`).toBe(r.h);
          expect(parseRowText(r.t)).toEqual([String(r.i), js]);
          checked++;
        });
      }
      expect(checked).toBe(Object.values(CASES).flat().length);
    } finally {
      await client.end();
    }
  });

  it('NULL, the empty string and the text "NULL" are three different rows', () => {
    const texts = [rowText([null]), rowText(['']), rowText(['NULL']), rowText(['""'])];
    expect(new Set(texts).size).toBe(4);
    expect(parseRowText('(,"",NULL)')).toEqual([null, '', 'NULL']);
  });

  it('floats print as PostgreSQL prints float8', () => {
    expect([1e15, 1e14, 1.5e-5, 0.0001, -0, 0, 1e-7, -2.5e300].map(pgFloat)).toEqual([
      '1e+15',
      '100000000000000',
      '1.5e-05',
      '0.0001',
      '-0',
      '0',
      '1e-07',
      '-2.5e+300',
    ]);
  });

  it('the row hash is PostgreSQL’s hashtextextended, byte for byte, at every tail length and for any UTF-8', async () => {
    const { url } = await createTestDatabase('rowhash');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const texts = Array.from({ length: 80 }, (_, n) =>
        'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3).slice(0, n),
      );
      texts.push('héllo wörld 😀 ünïcode', '\u00ff\u0100', '(1,"a ""quoted"" \\ value",,t)');
      const { rows } = await client.query<{ h: string }>(
        `SELECT ${hashSql('t')}::text AS h FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`,
        [texts],
      );
      expect(texts.map((t) => rowHash(t).toString())).toEqual(rows.map((r) => r.h));
      // The running sum equals PostgreSQL's sum() of the same hashes.
      const sum = new HashSum();
      for (const t of texts) sum.add(t);
      const [total] = (
        await client.query<{ s: string }>(
          `SELECT sum(${hashSql('t')})::text AS s FROM unnest($1::text[]) t`,
          [texts],
        )
      ).rows;
      expect(sum.sum.toString()).toBe(total!.s);
      expect(sum.count).toBe(texts.length);
      // Hashing the fields in place gives the same as hashing their record text.
      const records: (string | null)[][] = [
        ['1', 'plain', null, ''],
        ['a "quoted" \\ value', 'tab\there', 'héllo, wörld', '(paren)'],
        ['😀', '"', '\\', ' ', 'NULL', null],
        [null],
        ['x'.repeat(5000), 'é'.repeat(3000)],
      ];
      const byText = new HashSum();
      const byFields = new HashSum();
      for (const r of records) {
        byText.add(rowText(r));
        byFields.addRecord(r);
      }
      expect(byFields.sum).toBe(byText.sum);
    } finally {
      await client.end();
    }
  });

  it('a value the copy would reject is a reason, not a text', () => {
    expect(canonicalizerFor('integer')!(Buffer.from('abc'))).toEqual({ reason: 'not an integer' });
    expect(canonicalizerFor('interval')).toBeNull();
  });
});
