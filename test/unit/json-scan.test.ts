import { describe, expect, it } from 'vitest';
import { encoderFor } from '../../src/copy/encode.js';
import {
  JSON_ESCAPED,
  JSON_LONE_SURROGATE,
  JSON_NUL_ESCAPE,
  JSON_PLAIN,
  JSON_UNKNOWN,
  scanJson,
} from '../../src/copy/json-scan.js';

const parses = (s: string) => {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
};

const VALID = [
  '{}',
  '[]',
  '0',
  '-0',
  '1.5e-3',
  '-12.25E+10',
  '"plain"',
  'true',
  'false',
  'null',
  '{"k": 1, "tag": "t1", "on": false}',
  ' { "only" : true } ',
  '[0.125, -3, 1e300, [], {}, [[["deep"]]]]',
  '{"a": {"b": [1, {"c": null}]}, "d": "x y"}',
  '"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9"',
  '"pair \\ud83d\\ude00"',
  '{\n\t"k": 1\r\n}',
  '"héllo wörld 😀"',
];

const INVALID = [
  '',
  ' ',
  '{',
  '[1,]',
  '{"a":1,}',
  '{"a" 1}',
  '{a: 1}',
  "{'a': 1}",
  '01',
  '1.',
  '.5',
  '+1',
  '1e',
  '-',
  'tru',
  'nulls',
  '"unterminated',
  '"bad \\x escape"',
  '"bad \\u12 escape"',
  '"raw \n newline"',
  '[1] [2]',
  '{"a":1}}',
  'NaN',
  'Infinity',
];

describe('the copy’s JSON scanner', () => {
  it('accepts JSON and says what COPY must do with it', () => {
    for (const s of VALID) expect(scanJson(s), s).toBeGreaterThanOrEqual(0);
    expect(scanJson('{"k": 1, "tag": "t1"}')).toBe(JSON_PLAIN);
    expect(scanJson('{"k": "a\\nb"}')).toBe(JSON_ESCAPED);
    expect(scanJson('{\n"k": 1}')).toBe(JSON_ESCAPED);
    expect(scanJson('"a\\u0000b"')).toBe(JSON_NUL_ESCAPE);
    // An escaped backslash before u0000 is text, not a NUL.
    expect(scanJson('"a\\\\u0000b"')).toBe(JSON_ESCAPED);
    expect(scanJson('"\\ud800"')).toBe(JSON_LONE_SURROGATE);
    expect(scanJson('"\\udc00\\ud800"')).toBe(JSON_LONE_SURROGATE);
    expect(scanJson('"\\ud83d\\ude00"')).toBe(JSON_ESCAPED);
  });

  it('rejects what is not JSON', () => {
    for (const s of INVALID) {
      expect(parses(s), `JSON.parse(${JSON.stringify(s)})`).toBe(false);
      expect(scanJson(s), s).toBe(JSON_UNKNOWN);
    }
  });

  it('never accepts a text JSON.parse refuses, and accepts every JSON it builds (fuzzed)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      'u',
      '0',
      '1',
      '-',
      '.',
      'e',
      ' ',
      '\n',
      'a',
      'true',
      'null',
    ];
    let accepted = 0;
    for (let n = 0; n < 20000; n++) {
      const base = VALID[rnd(VALID.length)]!;
      let s = base;
      // Insert, delete or replace a few characters.
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(s.length + 1);
        const op = rnd(3);
        const piece = pieces[rnd(pieces.length)]!;
        s =
          op === 0
            ? s.slice(0, at) + piece + s.slice(at)
            : op === 1
              ? s.slice(0, at) + s.slice(at + 1)
              : s.slice(0, at) + piece + s.slice(at + 1);
      }
      const found = scanJson(s);
      if (found !== JSON_UNKNOWN) {
        accepted++;
        expect(parses(s), `scanner accepted ${JSON.stringify(s)}`).toBe(true);
      } else if (parses(s)) {
        throw new Error(`JSON.parse accepts what the scanner left: ${JSON.stringify(s)}`);
      }
    }
    expect(accepted).toBeGreaterThan(1000);
    // Values JSON.stringify writes, nested and escaped.
    for (let n = 0; n < 2000; n++) {
      const value = {
        n: rnd(1000) - 500,
        f: (rnd(100000) - 50000) / 7,
        s: String.fromCharCode(...Array.from({ length: rnd(20) }, () => rnd(0x2fff))),
        a: Array.from({ length: rnd(5) }, () => [rnd(3), { x: null, y: rnd(2) === 0 }]),
      };
      expect(scanJson(JSON.stringify(value))).toBeGreaterThanOrEqual(0);
    }
  });

  it('nesting deeper than the scanner follows is left to JSON.parse', () => {
    const deep = `${'['.repeat(300)}1${']'.repeat(300)}`;
    expect(scanJson(deep)).toBe(JSON_UNKNOWN);
    expect(encoderFor({ name: 'j', type: 'jsonb' })(deep)).toBe(deep);
  });

  it('the jsonb encoder rejects what jsonb cannot store, with the reason; json keeps a lone surrogate', () => {
    const jsonb = encoderFor({ name: 'j', type: 'jsonb' });
    const json = encoderFor({ name: 'j', type: 'json' });
    expect(jsonb('{"a": "\\ud800"}')).toMatchObject({
      reason: expect.stringContaining('unpaired surrogate'),
    });
    expect(json('{"a": "\\ud800"}')).toBe('{"a": "\\\\ud800"}');
    expect(jsonb('{"a": "\\u0000"}')).toMatchObject({ reason: expect.stringContaining('\\u0000') });
    expect(jsonb('{"a": 1,}')).toMatchObject({ reason: 'not valid JSON' });
    expect(jsonb('{"k": 1}')).toBe('{"k": 1}');
    expect(jsonb('{\n"k": "a\\tb"}')).toBe('{\\n"k": "a\\\\tb"}');
  });
});
