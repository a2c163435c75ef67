// The SQLite extension's row hash (native/cleave_hash.c) against the JavaScript one it stands in for: the same
// per-row hash for every value the extension takes, and every other value left to JavaScript. Each row is its
// own bucket (range buckets of width 1), so a single differing row shows as a differing bucket.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeHash, nativeSpec } from '../../src/verify/native-hash.js';
import { SqliteRows, type SqliteScanJob } from '../../src/verify/sqlite-scan.js';
import { hashKindOf } from '../../src/verify/typed-hash.js';

const dir = mkdtempSync(join(tmpdir(), 'cleave-native-hash-'));
let files = 0;

/** A value and whether the extension should hash it (false: it is left to JavaScript). */
type Case = [sql: string, native: boolean];

/** A table of the values as written: the column has no declared type, so no affinity converts them. */
function table(cases: readonly Case[]): string {
  const path = join(dir, `t${files++}.db`);
  const db = new BetterSqlite3(path);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
  db.exec('BEGIN');
  for (const [i, [sql]] of cases.entries()) db.exec(`INSERT INTO t VALUES (${i + 1}, ${sql})`);
  db.exec('COMMIT');
  db.close();
  return path;
}

function job(path: string, columns: { name: string; type: string }[]): SqliteScanJob {
  return {
    path,
    table: 't',
    filter: undefined,
    format: 'typed',
    columns: columns.map((c) => ({ source: c.name, type: c.type, enum: false, kind: hashKindOf(c.type) })),
    key: [0],
    hasRowid: true,
    rowidColumn: 0,
    bucketing: { kind: 'range', min: '1', width: '1' },
  };
}

/** Per-bucket (count, sum) of a scan, with the extension or without it, and how many rows it hashed. */
function scan(j: SqliteScanJob, native: boolean) {
  process.env.CLEAVE_NATIVE_HASH = native ? '1' : '0';
  const db = new BetterSqlite3(j.path, { readonly: true });
  try {
    const rows = new SqliteRows(db, j);
    const sums = rows.sums(null);
    const out = new Map([...sums].map(([b, s]) => [b, `${s.count}:${s.sum}`]));
    return { used: rows.nativeHash, hashed: { ...rows.hashed }, sums: out };
  } finally {
    db.close();
  }
}

function same(type: string, cases: readonly Case[]) {
  const j = job(table(cases), [
    { name: 'id', type: 'bigint' },
    { name: 'v', type },
  ]);
  const js = scan(j, false);
  const c = scan(j, true);
  expect(js.used).toBe(false);
  expect(c.used).toBe(true);
  // Row by row: the bucket of each row holds its hash.
  expect(c.sums).toEqual(js.sums);
  expect(c.sums.size).toBe(cases.length);
  // Exactly the values marked native were hashed by the extension (the others by JavaScript).
  expect(c.hashed.native + c.hashed.fallback).toBe(cases.length);
  const db = new BetterSqlite3(j.path, { readonly: true });
  loadNativeHash(db);
  const spec = nativeSpec(j.columns.map((col) => ({ type: col.type, kind: col.kind, hasRules: false })));
  const handled = new Set(
    db
      .prepare(`SELECT id FROM t WHERE cleave_typed_hash('${spec}', 0, 1, 1, id, v) IS NOT NULL`)
      .pluck()
      .all(),
  );
  db.close();
  const unexpected = cases
    .filter(([, n], i) => handled.has(i + 1) !== n)
    .map(([sql, n]) => `${sql} (${n ? 'JavaScript' : 'native'})`);
  expect(unexpected).toEqual([]);
  expect(c.hashed.native).toBe(handled.size);
}

afterEach(() => {
  delete process.env.CLEAVE_NATIVE_HASH;
});

describe('the native row hash', () => {
  const probe = new BetterSqlite3(':memory:');
  const built = loadNativeHash(probe);
  probe.close();

  // Where there is a C compiler, the install (and the test setup) must have built it; without one verify
  // hashes in JavaScript, and these tests say so rather than pass on nothing.
  const compiler = spawnSync(process.env.CC || 'cc', ['--version']).status === 0;
  if (!compiler)
    console.warn('[native-hash] no C compiler here: the extension is not built, its tests are skipped');

  it.runIf(compiler)('is built here (the install and the test setup build it)', () => {
    expect(built).toBe(true);
  });

  it.runIf(built)('integers: the column type range, bigint within 2^53, nothing but SQLite integers', () => {
    const edges: Case[] = [
      ['0', true],
      ['-1', true],
      ['1', true],
      ['2147483647', true],
      ['-2147483649', true],
      ['9007199254740991', true],
      ['-9007199254740991', true],
      ['9007199254740992', false],
      ['9223372036854775807', false],
      ['-9223372036854775808', false],
      ['5.0', false],
      ["'12'", false],
      ['NULL', true],
      ["x'01'", false],
    ];
    same('bigint', edges);
    same('integer', [
      ['2147483647', true],
      ['-2147483648', true],
      // Out of range: the copy rejects it, and JavaScript says why.
      ['2147483648', false],
      ['-2147483649', false],
    ]);
    same('smallint', [
      ['32767', true],
      ['-32768', true],
      ['32768', false],
    ]);
  });

  it.runIf(built)(
    'floats and reals: zero of either sign, extremes, integers as doubles, text left to JavaScript',
    () => {
      same('double precision', [
        ['0.0', true],
        ['-0.0', true],
        ['0.1', true],
        ['-2.5', true],
        ['1e300', true],
        ['4.9e-324', true],
        ['1e999', true],
        ['-1e999', true],
        ['7', true],
        ['9007199254740993', false],
        ["'1.5'", false],
        ['NULL', true],
      ]);
      same('real', [
        ['0.1', true],
        ['3.4e38', true],
        ['-0.0', true],
        ['3', true],
        // Overflow and underflow of a real: the copy refuses them; JavaScript says so.
        ['1e39', false],
        ['1e-50', false],
      ]);
    },
  );

  it.runIf(built)('timestamps: the shapes of the fast path only', () => {
    const ts: Case[] = [
      ["'2024-01-01 00:00:00'", true],
      ["'2024-01-01T12:34:56'", true],
      ["'2024-01-01 12:34:56.1'", true],
      ["'2024-01-01 12:34:56.123456'", true],
      ["'1999-12-28 23:59:59.999999Z'", true],
      ["'2024-06-15 08:00:00+00'", true],
      ["'2024-06-15 08:00:00+0000'", true],
      ["'2024-06-15 08:00:00+00:00'", true],
      ["'1000-01-01 00:00:00'", true],
      ["'9999-12-28 23:59:59'", true],
      ["'2024-01-01 12:34:56.1234567'", false],
      ["'2024-01-01 12:34:56.'", false],
      ["'2024-02-29 00:00:00'", false],
      ["'2024-01-31 00:00:00'", false],
      ["'2024-13-01 00:00:00'", false],
      ["'0999-01-01 00:00:00'", false],
      ["'2024-01-01 24:00:00'", false],
      ["'2024-01-01 00:00:00+01'", false],
      ["'2024-01-01 00:00:00+0'", false],
      ["'2024-01-01 00:00:00 '", false],
      ["' 2024-01-01 00:00:00'", false],
      ["'2024-01-01'", false],
      ["'2024-01-01 00:00:00Zé'", false],
      ['1700000000', false],
      ['NULL', true],
    ];
    same('timestamp with time zone', ts);
    same('timestamp without time zone', ts);
  });

  it.runIf(built)('dates, booleans, bytea and uuids', () => {
    same('date', [
      ["'2024-01-05'", true],
      ["'1000-01-01'", true],
      ["'1969-12-28'", true],
      ["'2024-02-29'", false],
      ["'2024-01-05 00:00:00'", false],
      ["'24-01-05'", false],
      ['NULL', true],
    ]);
    same('boolean', [
      ['0', true],
      ['1', true],
      ['2', false],
      ["'t'", false],
      ["'true'", false],
      ['1.0', false],
      ['NULL', true],
    ]);
    same('bytea', [
      ["x''", true],
      ["x'00'", true],
      ["x'ff00ab7f80'", true],
      ['randomblob(1000)', true],
      ['zeroblob(5)', true],
      ["'abc'", false],
      ["'\\x01'", false],
      ['42', false],
      ['NULL', true],
    ]);
    same('uuid', [
      ["'0b9f3c1e-8a2d-4c6b-9e0f-1a2b3c4d5e6f'", true],
      ["'00000000-0000-0000-0000-000000000000'", true],
      ["'0B9F3C1E-8A2D-4C6B-9E0F-1A2B3C4D5E6F'", false],
      ["'0b9f3c1e8a2d4c6b9e0f1a2b3c4d5e6f'", false],
      ["'0b9f3c1e-8a2d-4c6b-9e0f-1a2b3c4d5e6g'", false],
      ["'0b9f3c1e-8a2d-4c6b-9e0f1-a2b3c4d5e6f'", false],
      ["x'0b9f3c1e8a2d4c6b9e0f1a2b3c4d5e6f'", false],
      ['NULL', true],
    ]);
  });

  it.runIf(built)(
    'text: every length through lookup3 tails, well-formed UTF-8 only (no NUL), varchar ASCII and limits',
    () => {
      const lengths: Case[] = Array.from({ length: 40 }, (_, n) => [
        `'${'abcdefghijklmnopqrstuvwxyz0123456789!#$%'.slice(0, n)}'`,
        true,
      ]);
      same('text', [
        ...lengths,
        ['\'with "quotes", commas (and) \\backslashes\'', true],
        ["'tab\there'", true],
        // Well-formed UTF-8 is its own canonical text; what JavaScript would decode to U+FFFD is not taken.
        ["'héllo wörld'", true],
        ["'😀 日本語 Ω'", true],
        ["'a�b'", true],
        ["CAST(x'efbfbf' AS TEXT)", true],
        ["CAST(x'f48fbfbf' AS TEXT)", true],
        ["'a' || char(0) || 'b'", false],
        ["CAST(x'c328' AS TEXT)", false],
        ["CAST(x'c3' AS TEXT)", false],
        ["CAST(x'61e282' AS TEXT)", false],
        ["CAST(x'c0af' AS TEXT)", false],
        ["CAST(x'e080af' AS TEXT)", false],
        ["CAST(x'eda080' AS TEXT)", false],
        ["CAST(x'f4908080' AS TEXT)", false],
        ["CAST(x'f880808080' AS TEXT)", false],
        ["CAST(x'ff' AS TEXT)", false],
        ["CAST(x'80' AS TEXT)", false],
        ["x'616263'", false],
        ['42', false],
        ['NULL', true],
      ]);
      same('character varying(5)', [
        ["'abcde'", true],
        ["''", true],
        ["'abcdef'", false],
        ["'é'", false],
      ]);
      same('character varying', [
        ["'abcdef'", true],
        ["'é'", false],
      ]);
    },
  );

  it.runIf(built)(
    'json: objects and arrays of plain values in jsonb order; anything else left to JavaScript',
    () => {
      const many = `'{${Array.from({ length: 64 }, (_, i) => `"k${i}": ${i}`).join(', ')}}'`;
      const tooMany = `'{${Array.from({ length: 65 }, (_, i) => `"k${i}": ${i}`).join(', ')}}'`;
      const json: Case[] = [
        ["'{}'", true],
        ["' { } '", true],
        ['\'{"k": 1, "tag": "t1", "on": true}\'', true],
        ['\'{"b":1,"a":2}\'', true],
        ['\'{"a":1,"a":2}\'', true],
        ['\'{"aa":1,"b":2,"a":3}\'', true],
        ['\'{"k":-0}\'', true],
        ['\'{"k":-1,"n":null,"f":false}\'', true],
        ['\'{"k":123456789012345}\'', true],
        [`'\t{"a" : 1 ,\n"b":"x y"}\r\n'`, true],
        [many, true],
        [tooMany, false],
        ['\'{"k":1234567890123456}\'', false],
        ['\'{"k":0123}\'', false],
        ['\'{"k":1.5}\'', false],
        ['\'{"k":1e3}\'', false],
        ['\'{"k":[1]}\'', true],
        ['\'{"k":{"b":1,"a":[]},"a":[{"y":2,"x":-0},[],{}]}\'', true],
        ['\'{"a": {"x": 1}, "a": [2, {"z": null, "z": true}]}\'', true],
        ['\'[ {"b" : 1 , "a" : "v1.2"} , "e5" , [ -0 ] ]\'', true],
        [`'${'['.repeat(32)}${']'.repeat(32)}'`, true],
        [`'${'['.repeat(33)}${']'.repeat(33)}'`, false],
        [`'[${Array.from({ length: 100 }, (_, i) => i).join(',')}]'`, true],
        [`'{"k":${many.slice(1, -1)}}'`, true],
        [`'{"k":${tooMany.slice(1, -1)}}'`, false],
        ['\'{"k":[1.5]}\'', false],
        ['\'{"k":{"a":"é"}}\'', false],
        ["'[1,]'", false],
        ["'[1 2]'", false],
        ['\'{"k":[}\'', false],
        ['\'{"k":"é"}\'', false],
        ['\'{"k":"a\\"b"}\'', false],
        ['\'{"k":tru}\'', false],
        ['\'{"k":1,}\'', false],
        ["'[1,2]'", true],
        ["'[]'", true],
        ["'null'", false],
        ["'not json'", false],
        ['NULL', true],
      ];
      same('jsonb', json);
      same('json', json);
    },
  );

  it.runIf(built)(
    'numeric(p, s): numbers with at most s fraction digits, integers, nothing that would need its text',
    () => {
      same('numeric(12,2)', [
        ['0', true],
        ['1.5', true],
        ['123.45', true],
        ['-0.05', true],
        ['100', true],
        ['99999999.99', true],
        ['11258999068426', true],
        ['11258999068427', false],
        ['-0.0', false],
        ['1.005', false],
        ['1e20', false],
        ["'12.30'", false],
        ['NULL', true],
      ]);
      same('numeric(10,0)', [
        ['5', true],
        ['5.0', true],
        ['5.5', false],
      ]);
      same('numeric(20,15)', [
        ['0.000000000000001', true],
        ['1', true],
        // 2 * 10^15 is past 2^50.
        ['2', false],
      ]);
    },
  );

  it.runIf(built)(
    'many columns in one row: the same row hash, and a row with one value outside the paths goes whole to JavaScript',
    () => {
      const path = join(dir, `t${files++}.db`);
      const db = new BetterSqlite3(path);
      db.exec(
        'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount NUMERIC(12,2), score REAL, at TIMESTAMP, doc JSON, ok BOOLEAN)',
      );
      const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (let i = 1; i <= 500; i++)
        insert.run(
          i,
          i % 50 === 0 ? Buffer.from(`customer ${i}`) : `naïve customer ${i}`,
          (i % 1000) / 100,
          i / 7,
          `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:00:00.${i}`,
          i % 70 === 0 ? `{"deep": {"k": ${i}.5}}` : `{"k": ${i}, "tag": "t${i % 10}"}`,
          i % 2,
        );
      db.close();
      const j = job(path, [
        { name: 'id', type: 'bigint' },
        { name: 'name', type: 'text' },
        { name: 'amount', type: 'numeric(12,2)' },
        { name: 'score', type: 'double precision' },
        { name: 'at', type: 'timestamp with time zone' },
        { name: 'doc', type: 'jsonb' },
        { name: 'ok', type: 'boolean' },
      ]);
      const js = scan(j, false);
      const c = scan(j, true);
      expect(c.sums).toEqual(js.sums);
      // Rows 50, 100, ... (a name stored as a blob) and 70, 140, ... (a fraction in JSON) went to JavaScript; 350 is both.
      expect(c.hashed).toEqual({ native: 500 - 10 - 7 + 1, fallback: 10 + 7 - 1 });
      // One bucket for the whole table: the same sum.
      const one = { ...j, bucketing: { kind: 'one' as const } };
      expect(scan(one, true).sums).toEqual(scan(one, false).sums);
    },
  );

  it.runIf(built)('random values near the edges of every path: the same hash row by row', () => {
    // A fixed-seed generator (mulberry32): the same values every run.
    let seed = 0x5eed;
    const rand = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const space = () => pick(['', '', ' ', '\t', '\n', ' \r\n ']);
    const keys = ['a', 'b', 'aa', 'ab', 'ba', 'k', 'tag', 'A', 'Z', 'on', '', 'a b', 'é'];
    const json = (depth = 0): string => {
      const n = Math.floor(rand() * 6);
      const members = Array.from({ length: n }, () => {
        const value = pick([
          () => String(Math.floor((rand() - 0.5) * 10 ** Math.floor(rand() * 17))),
          () =>
            pick([
              'true',
              'false',
              'null',
              '-0',
              '0',
              '01',
              '1.5',
              '1e3',
              '[1]',
              '{}',
              '[[]]',
              '"v1.2"',
              '"e5"',
            ]),
          () => (depth < 3 ? json(depth + 1) : '[]'),
          () => (depth < 3 ? `[${space()}${json(depth + 1)}${space()},${space()}-0]` : '{}'),
          () => JSON.stringify(pick(['x', '', 'a"b', 'tab\t', 'ü', 'plain text'])),
        ])();
        return `${space()}${JSON.stringify(pick(keys))}${space()}:${space()}${value}${space()}`;
      });
      return `${space()}{${members.join(',')}}${space()}`;
    };
    const two = () => String(Math.floor(rand() * 32)).padStart(2, '0');
    const timestamp = () =>
      `${pick(['2024', '1000', '0999', '9999', '1969'])}-${pick(['01', '02', '12', '13', '00'])}-${two()}${pick([' ', 'T', '_'])}${two()}:${pick(['00', '59', '60'])}:${pick(['00', '59', '60'])}${pick(['', '.', '.1', '.123456', '.1234567', '.000001'])}${pick(['', '', 'Z', '+00', '+0000', '+00:00', '+01', '-00', '+0'])}`;
    const quote = (v: string) => `'${v.replaceAll("'", "''")}'`;
    const rows = (make: () => string): Case[] => Array.from({ length: 1500 }, () => [quote(make()), true]);
    for (const [type, make] of [
      ['jsonb', () => json()],
      ['timestamp with time zone', timestamp],
      ['date', () => timestamp().slice(0, pick([10, 10, 11, 19]))],
    ] as const) {
      const cases = rows(make);
      const j = job(table(cases), [
        { name: 'id', type: 'bigint' },
        { name: 'v', type },
      ]);
      const js = scan(j, false);
      const c = scan(j, true);
      expect(c.sums, type).toEqual(js.sums);
      // Both paths are exercised: many values are taken, many are not.
      expect(c.hashed.native, type).toBeGreaterThan(30);
      expect(c.hashed.fallback, type).toBeGreaterThan(30);
    }
    const numbers: Case[] = Array.from({ length: 3000 }, () => [
      pick([
        () => String(Math.round((rand() - 0.5) * 10 ** Math.floor(rand() * 16)) / 100),
        () => String((rand() - 0.5) * 10 ** Math.floor(rand() * 20)),
        () => String(Math.floor((rand() - 0.5) * 2 ** 55)),
      ])(),
      true,
    ]);
    for (const type of ['numeric(12,2)', 'numeric(18,4)', 'double precision', 'real', 'bigint', 'integer']) {
      const j = job(table(numbers), [
        { name: 'id', type: 'bigint' },
        { name: 'v', type },
      ]);
      expect(scan(j, true).sums, type).toEqual(scan(j, false).sums);
    }
  });

  it.runIf(built)('buckets by the hash of text, uuid, integer and composite keys, quoting included', () => {
    const path = join(dir, `t${files++}.db`);
    const db = new BetterSqlite3(path);
    db.exec('CREATE TABLE t (slug TEXT, n INTEGER, u TEXT, v TEXT, PRIMARY KEY (slug, n))');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
    const slugs = [
      '',
      'plain',
      'with space',
      'a,b',
      '(x)',
      'q"uote',
      'back\\slash',
      'tab\t',
      'naïve',
      '日本',
      'x'.repeat(40),
    ];
    let i = 0;
    db.transaction(() => {
      for (const slug of slugs)
        for (let n = 0; n < 40; n++) {
          i++;
          const u = `${String(i).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;
          insert.run(slug, n - 20, u, `value ${i}`);
        }
      // Left to JavaScript: a key that is not well-formed UTF-8, a NULL key part, a blob key, a big integer.
      db.exec(`INSERT INTO t VALUES (CAST(x'c328' AS TEXT), 1, NULL, 'bad utf-8')`);
      db.exec(`INSERT INTO t VALUES (NULL, 2, NULL, 'null slug')`);
      db.exec(`INSERT INTO t VALUES (x'6162', 3, NULL, 'blob slug')`);
      db.exec(`INSERT INTO t VALUES ('big', 9007199254740993, NULL, 'big')`);
    })();
    db.close();
    const base: SqliteScanJob = {
      path,
      table: 't',
      filter: undefined,
      format: 'typed',
      columns: [
        { source: 'slug', type: 'text', enum: false, kind: 'text' },
        { source: 'n', type: 'bigint', enum: false, kind: 'int' },
        { source: 'u', type: 'uuid', enum: false, kind: 'uuid' },
        { source: 'v', type: 'character varying(20)', enum: false, kind: 'text' },
      ],
      key: [0, 1],
      hasRowid: true,
      bucketing: { kind: 'hash', mask: 1023 },
    };
    for (const key of [[0, 1], [0], [1], [2], [3], [1, 0, 2]]) {
      const j = { ...base, key };
      const js = scan(j, false);
      const c = scan(j, true);
      expect(c.used, `key ${key}`).toBe(true);
      expect(c.sums, `key ${key}`).toEqual(js.sums);
      expect(c.sums.size).toBeGreaterThan(10);
      // Every row counted once; the four odd rows (a bad slug, a blob, a big integer and, outside the slug key, a
      // NULL; or NULL uuids, which hash as NULL) are the only ones left to JavaScript.
      expect(c.hashed.native + c.hashed.fallback).toBe(slugs.length * 40 + 4);
      expect(c.hashed.fallback, `key ${key}`).toBeGreaterThanOrEqual(3);
      expect(c.hashed.fallback, `key ${key}`).toBeLessThanOrEqual(4);
    }
  });

  it.runIf(built)(
    'a key far past the buckets the aggregate holds (2^17 of them) leaves its row to JavaScript',
    () => {
      const path = join(dir, `t${files++}.db`);
      const db = new BetterSqlite3(path);
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v)');
      for (const id of [1, 2, 131072, 131073, 5_000_000_000])
        db.exec(`INSERT INTO t VALUES (${id}, 'row ${id}')`);
      db.close();
      const j = job(path, [
        { name: 'id', type: 'bigint' },
        { name: 'v', type: 'text' },
      ]);
      const c = scan(j, true);
      expect(c.sums).toEqual(scan(j, false).sums);
      expect(c.sums.size).toBe(5);
      // Buckets -1 .. 131070 fit; 131071 (key 131072), 131072 (key 131073) and the far key do not.
      expect(c.hashed).toEqual({ native: 2, fallback: 3 });
    },
  );

  it.runIf(built)(
    'takes only tables it can hash whole: no token for a column type, value rules, or a hash-bucket key it cannot write',
    () => {
      expect(nativeSpec([{ type: 'bigint', kind: 'int', hasRules: false }])).toBe('b');
      expect(
        nativeSpec([
          { type: 'character varying(20)', kind: 'text', hasRules: false },
          { type: 'numeric(12,2)', kind: 'output', hasRules: false },
        ]),
      ).toBe('a20 n2');
      expect(nativeSpec([{ type: 'bytea', kind: 'output', hasRules: false }])).toBe('y');
      expect(nativeSpec([{ type: 'interval', kind: 'output', hasRules: false }])).toBeNull();
      expect(nativeSpec([{ type: 'numeric', kind: 'output', hasRules: false }])).toBeNull();
      expect(nativeSpec([{ type: 'text', kind: null, hasRules: false }])).toBeNull();
      expect(nativeSpec([{ type: 'text', kind: 'text', hasRules: true }])).toBeNull();
      const path = table([["'a'", true]]);
      const hashed = {
        ...job(path, [
          { name: 'id', type: 'bigint' },
          { name: 'v', type: 'text' },
        ]),
      };
      const db = new BetterSqlite3(path, { readonly: true });
      expect(new SqliteRows(db, hashed).nativeHash).toBe(true);
      expect(new SqliteRows(db, { ...hashed, bucketing: { kind: 'hash', mask: 15 } }).nativeHash).toBe(true);
      const timestampKey = {
        ...hashed,
        columns: [{ source: 'v', type: 'timestamp with time zone', enum: false, kind: 'timestamp' as const }],
        key: [0],
      };
      expect(new SqliteRows(db, { ...timestampKey, bucketing: { kind: 'hash', mask: 15 } }).nativeHash).toBe(
        false,
      );
      expect(new SqliteRows(db, { ...hashed, format: 'text' }).nativeHash).toBe(false);
      db.close();
    },
  );
});
