import { isUtf8 } from 'node:buffer';
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
import { HashSum, hashAscii, hashHi, hashLo, hashSql, rowHash } from '../../src/verify/hash.js';
import {
  beginRow,
  elementHasher,
  finishRow,
  hashKindOf,
  pushDate,
  pushFloat,
  pushInt,
  pushNull,
  pushRecord,
  pushText,
  pushTimestamp,
  pushUuid,
  simpleMicros,
  typedRowHashSql,
} from '../../src/verify/typed-hash.js';
import { createTestDatabase } from '../helpers/pg.js';

// SQLite values as better-sqlite3 returns them (text as Buffers, integers as BigInt), per target type.
const CASES: Record<string, unknown[]> = {
  bigint: [0n, -9223372036854775808n, 9223372036854775807n, Buffer.from(' 42 '), 5, -7, 2 ** 53 - 1],
  integer: [1n, -2147483648n, 2147483647, -0],
  boolean: [0n, 1n, Buffer.from('yes'), Buffer.from('F'), 0, 1],
  text: [
    Buffer.from(''),
    Buffer.from('plain'),
    Buffer.from('a,b'),
    Buffer.from('quote " and \\ backslash'),
    Buffer.from('tab\tnew\nline (paren)'),
    Buffer.from('héllo 😀'),
    Buffer.from('NULL'),
    42,
    -7n,
    2.5,
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
    // Numbers (SQLite REALs and INTEGERs): the digits are written without the canonical text.
    12.5,
    1234.56,
    -0.01,
    -0,
    0,
    0.1 + 0.2,
    2.675,
    99999999.99,
    -12345678.9,
    5n,
    -40n,
  ],
  'numeric(16,8)': [1e-7, 0.00000001, -12345678.12345678, 0.5, 3n],
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
    12,
    -0.5,
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
    1700000000,
  ],
  'timestamp without time zone': [
    Buffer.from('2024-01-02 03:04:05.000100'),
    Buffer.from('2024-01-02T03:04:05+05'),
  ],
  date: [Buffer.from('2024-12-31'), Buffer.from('2024-12-31 23:59:59'), 1700000000n, 1700000000],
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

  it('the typed row hash of every value copied into its type is the same in SQL and in JavaScript', async () => {
    const { url } = await createTestDatabase('typedhash');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const last = () => ((BigInt(hashHi) << 32n) | BigInt(hashLo)).toString();
    try {
      for (const sql of CANONICAL_SESSION) await client.query(sql);
      let checked = 0;
      for (const [type, values] of Object.entries(CASES)) {
        await client.query(`DROP TABLE IF EXISTS v; CREATE TABLE v (i int, x ${type})`);
        const canonical = canonicalizerFor(type)!;
        const kind = hashKindOf(type);
        const encode = encoderFor({ name: 'x', type });
        const all = [...values, null];
        const lines = all.map((v, i) => {
          if (v === null) return `${i}\t\\N\n`;
          const e = encode(v);
          if (e instanceof Invalid) throw new Error(`${type} ${String(v)}: ${e.reason}`);
          return `${i}\t${e}\n`;
        });
        await new Promise<void>((resolve, reject) => {
          const stream = client.query(copyFrom('COPY v (i, x) FROM STDIN'));
          stream.on('finish', resolve).on('error', reject);
          stream.end(lines.join(''));
        });
        const { rows } = await client.query<{ i: number; h: string }>(
          `SELECT i, ${typedRowHashSql([
            { sql: 'i', kind: 'int' },
            { sql: canonicalSql('x', type), kind },
          ])}::text AS h FROM v ORDER BY i`,
        );
        const hasher = kind === null ? null : elementHasher(kind, type, canonical);
        for (const r of rows) {
          const v = all[r.i];
          beginRow();
          pushInt(BigInt(r.i));
          if (hasher) expect(hasher(v)).toBeUndefined();
          else pushRecord([v === null ? null : (canonical(v) as string)]);
          finishRow();
          expect(last(), `${type} ${String(v)} (${kind ?? 'text field'})`).toBe(r.h);
          checked++;
          // Text as SQLite hands it over when it is valid UTF-8: a string, which takes the fast paths.
          if (hasher && Buffer.isBuffer(v) && isUtf8(v)) {
            beginRow();
            pushInt(BigInt(r.i));
            expect(hasher(v.toString('utf8'))).toBeUndefined();
            finishRow();
            expect(last(), `${type} '${v.toString('utf8')}' as a string`).toBe(r.h);
          }
        }
      }
      expect(checked).toBe(Object.values(CASES).flat().length + Object.keys(CASES).length);

      // Each kind at its edges: integers at every width's bounds, the floats PostgreSQL hashes specially, text at
      // every tail length, timestamps past 2262 (beyond a double's exact microseconds) and before 1970.
      const ints = [
        '0',
        '-1',
        '1',
        '2147483647',
        '-2147483648',
        '4294967296',
        '-9223372036854775808',
        '9223372036854775807',
      ];
      const floats = ['0', '-0', 'NaN', 'Infinity', '-Infinity', '5e-324', '-1.5', '1e300'];
      const texts = Array.from({ length: 30 }, (_, n) => 'héllo wörld 😀 abcdefghijklmn'.slice(0, n));
      const stamps = [
        '2000-01-01 00:00:00+00',
        '1969-12-31 23:59:59.999999+00',
        '2300-06-01 12:00:00.5+00',
        '9999-12-31 23:59:59.999999+00',
        '0099-01-01 00:00:00+00',
      ];
      const dates = ['2000-01-01', '1999-12-31', '9999-12-31', '0001-01-01'];
      const uuids = ['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '00000000-0000-0000-0000-000000000000'];
      const cases: [string, string, (v: string) => void][] = [
        ...ints.map((v): [string, string, (v: string) => void] => [
          `'${v}'::int8`,
          v,
          (x) => pushInt(BigInt(x)),
        ]),
        ['7::int2', '7', (x) => pushInt(Number(x))],
        ['-7::int4', '-7', (x) => pushInt(Number(x))],
        ...floats.map((v): [string, string, (v: string) => void] => [
          `'${v}'::float8`,
          v,
          (x) => pushFloat(Number(x)),
        ]),
        ...texts.map((v): [string, string, (v: string) => void] => [`'${v}'::text`, v, pushText]),
        ...stamps.map((v): [string, string, (v: string) => void] => [
          `'${v}'::timestamptz`,
          v,
          pushTimestamp,
        ]),
        ...dates.map((v): [string, string, (v: string) => void] => [`'${v}'::date`, v, pushDate]),
        ...uuids.map((v): [string, string, (v: string) => void] => [`'${v}'::uuid`, v, pushUuid]),
        ['NULL::int8', '', () => pushNull()],
      ];
      const { rows } = await client.query<{ h: string }>(
        `SELECT ${cases.map(([sql], i) => `${typedRowHashSql([{ sql, kind: 'int' }])}::text AS h${i}`).join(', ')}`,
      );
      cases.forEach(([sql, value, push], i) => {
        beginRow();
        push(value);
        finishRow();
        expect(last(), sql).toBe((rows[0] as unknown as Record<string, string>)[`h${i}`]);
      });
    } finally {
      await client.end();
    }
  });

  it('the typed row hash tells a value swapped between two rows, NULL from 0, and NULL from the empty string', async () => {
    const { url } = await createTestDatabase('typedswap');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const sum = async (rows: string) =>
        (
          await client.query<{ s: string }>(
            `SELECT sum(${typedRowHashSql([
              { sql: 'a', kind: 'int' },
              { sql: 'b', kind: 'text' },
              { sql: 'c', kind: 'float' },
            ])})::text AS s FROM (VALUES ${rows}) v(a, b, c)`,
          )
        ).rows[0]!.s;
      const base = await sum(`(1, 'x', 0.5::float8), (2, 'y', 1.5)`);
      expect(await sum(`(1, 'y', 0.5::float8), (2, 'x', 1.5)`)).not.toBe(base);
      expect(await sum(`(1, 'x', 1.5::float8), (2, 'y', 0.5)`)).not.toBe(base);
      expect(await sum(`(1, 'x', NULL::float8)`)).not.toBe(await sum(`(1, 'x', 0::float8)`));
      expect(await sum(`(1, NULL::text, 0::float8)`)).not.toBe(await sum(`(1, '', 0::float8)`));
      // -0 and 0 are one value (PostgreSQL's equality), documented as such.
      expect(await sum(`(1, 'x', '-0'::float8)`)).toBe(await sum(`(1, 'x', 0::float8)`));
    } finally {
      await client.end();
    }
  });

  it('date/time texts: the copy accepts exactly what PostgreSQL accepts, and reads each as PostgreSQL does', async () => {
    const { url } = await createTestDatabase('timeparse');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const sql of CANONICAL_SESSION) await client.query(sql);
      const texts = [
        '2024-01-02',
        '0001-01-01',
        '0000-01-01',
        '2024-02-29',
        '2023-02-29',
        '2024-02-30',
        '2024-04-31',
        '2024-13-01',
        '2024-01-01 24:00:00',
        '2024-01-31 24:00',
        '2024-01-01 24:00:01',
        '2024-01-01 23:59:60',
        '2024-01-01 23:59:60.5',
        '2024-01-01 23:59:61',
        '2024-01-01 12:60',
        '2024-01-01 25:00',
        '2024-01-01T12:00Z',
        '2024-01-01 12:00:00+15:59',
        '2024-01-01 12:00:00-15:59',
        '2024-01-01 12:00:00+16',
        '2024-01-01 12:00:00+05:60',
        '2024-01-01 12:00:00+0530',
        '2024-01-01 23:59:59.9999995',
        '2024-01-01 12:00:00.0000005',
        '2024-01-01 12:00:00.0000015',
        '2024-01-01 12:00:00.0000025',
        '9999-12-31 23:59:59.9999999',
        '1900-03-01 00:00:00.123456789',
      ];
      let accepted = 0;
      for (const type of [
        'timestamp with time zone',
        'timestamp without time zone',
        'date',
        'time without time zone',
      ]) {
        const encode = encoderFor({ name: 'x', type });
        const canonical = canonicalizerFor(type)!;
        for (const text of texts) {
          const read = async (t: string) => {
            try {
              const { rows } = await client.query<{ t: string }>(`SELECT $1::${type}::text AS t`, [t]);
              return rows[0]!.t;
            } catch {
              return null;
            }
          };
          // What the copy sends (for a time, the T between date and time becomes a space), as PostgreSQL reads it.
          const e = encode(text);
          if (e instanceof Invalid) {
            expect(await read(text), `${type} ${text}: refused with ${e.reason}`).toBeNull();
            continue;
          }
          const pgText = await read(e);
          expect(pgText, `${type} ${text}, sent as ${e}`).not.toBeNull();
          if (e === text) expect(await read(text)).toBe(pgText);
          expect(canonical(text), `${type} ${text}`).toBe(pgText);
          accepted++;
        }
      }
      expect(accepted).toBeGreaterThan(40);
    } finally {
      await client.end();
    }
  });

  it('timestamps read without the canonical text hash as they do through it', () => {
    const hashOf = (push: () => void) => {
      beginRow();
      push();
      finishRow();
      return `${hashHi}:${hashLo}`;
    };
    const texts = [
      '2024-01-02 03:04:05',
      '2024-01-02T03:04:05Z',
      '2024-01-02T03:04:05.1Z',
      '2024-01-02T03:04:05.123456+00',
      '2024-01-02T03:04:05.000100+00:00',
      '2024-12-28 23:59:59.999999+0000',
      '1970-01-01 00:00:00',
      '1716-01-01 00:00:00',
      '2284-06-01 12:00:00',
    ];
    // Past 2285 or before 1715 a double no longer holds the microseconds: BigInt, through the text.
    const far = ['1000-01-01 00:00:00', '2300-06-01 12:00:00.5'];
    for (const type of ['timestamp with time zone', 'timestamp without time zone']) {
      const canonical = canonicalizerFor(type)!;
      const fast = elementHasher('timestamp', type, canonical);
      for (const t of texts) {
        expect(Number.isNaN(simpleMicros(t)), t).toBe(false);
        const viaText = hashOf(() => pushTimestamp(canonical(Buffer.from(t)) as string));
        expect(
          hashOf(() => fast(t)),
          `${type} ${t}`,
        ).toBe(viaText);
      }
      for (const t of far) {
        expect(simpleMicros(t), t).toBeNaN();
        expect(
          hashOf(() => fast(t)),
          `${type} ${t}`,
        ).toBe(hashOf(() => pushTimestamp(canonical(Buffer.from(t)) as string)));
      }
    }
    // Other shapes are left to the canonical text.
    for (const t of [
      '2024-02-29 00:00:00',
      '2024-01-02 03:04',
      '2024-01-02 03:04:05+01',
      '0999-01-01 00:00:00',
      '2024-01-02 03:04:05.1234567',
      '2024-01-02 03:04:05.',
      '2024-13-01 00:00:00',
    ])
      expect(simpleMicros(t), t).toBeNaN();
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
      // Straight from the characters of ASCII strings, with seed 0 and with the typed hash's seed 1.
      const ascii = texts.filter((t) => [...t].every((ch) => ch.charCodeAt(0) > 0 && ch.charCodeAt(0) < 128));
      expect(ascii.length).toBeGreaterThan(70);
      for (const seed of [0, 1]) {
        const { rows: seeded } = await client.query<{ h: string }>(
          `SELECT hashtextextended(t COLLATE "C", ${seed})::text AS h FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`,
          [ascii],
        );
        const js = ascii.map((t) => {
          expect(hashAscii(t, 0, seed)).toBe(true);
          return ((BigInt(hashHi) << 32n) | BigInt(hashLo)).toString();
        });
        expect(js).toEqual(seeded.map((r) => r.h));
      }
      expect(hashAscii('héllo', 0, 1)).toBe(false);
      expect(hashAscii('a\u0000b', 0, 1)).toBe(false);
      expect(hashAscii(`${'x'.repeat(12)}\u0080`, 0, 1)).toBe(false);
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
