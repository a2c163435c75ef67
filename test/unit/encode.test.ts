import { describe, expect, it } from 'vitest';
import { encoderFor, escapeCopy } from '../../src/copy/encode.js';

const enc = (type: string, value: unknown) => {
  const encoded = encoderFor({ name: 'c', type })(value);
  return typeof encoded === 'string' ? { ok: true, text: encoded } : { ok: false, reason: encoded.reason };
};

describe('COPY encoding of SQLite values', () => {
  it('escapes the COPY text specials', () => {
    expect(escapeCopy('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
  });

  it('integers: in range or rejected, text that is an integer accepted', () => {
    expect(enc('bigint', 42n)).toEqual({ ok: true, text: '42' });
    expect(enc('integer', Buffer.from(' 17 '))).toEqual({ ok: true, text: '17' });
    expect(enc('smallint', 40000)).toEqual({ ok: false, reason: 'out of range for its type (40000)' });
    expect(enc('bigint', 1.5)).toEqual({ ok: false, reason: 'not an integer (1.5)' });
    expect(enc('bigint', Buffer.from('lots-of-it'))).toEqual({ ok: false, reason: 'not an integer' });
  });

  it('text: invalid UTF-8 and NUL bytes are reasons, never replaced', () => {
    expect(enc('text', Buffer.from([0x66, 0x96, 0x67]))).toEqual({ ok: false, reason: 'invalid UTF-8' });
    expect(enc('text', Buffer.from('a\u0000b'))).toEqual({
      ok: false,
      reason: 'NUL byte in text (PostgreSQL text cannot hold it)',
    });
    expect(enc('text', Buffer.from('héllo\tworld'))).toEqual({ ok: true, text: 'héllo\\tworld' });
    expect(enc('character varying(3)', Buffer.from('abcd'))).toEqual({
      ok: false,
      reason: 'longer than 3 characters',
    });
    expect(enc('character varying(3)', Buffer.from('a\tb'))).toEqual({ ok: true, text: 'a\\tb' });
  });

  it('booleans, uuids, JSON, times, bytea and arrays', () => {
    expect(enc('boolean', 1n)).toEqual({ ok: true, text: 't' });
    expect(enc('boolean', Buffer.from('false'))).toEqual({ ok: true, text: 'f' });
    expect(enc('boolean', 2n)).toEqual({ ok: false, reason: 'not a boolean (2)' });
    expect(enc('uuid', Buffer.from('6F9619FF-8B86-D011-B42D-00C04FC964FF'))).toEqual({
      ok: true,
      text: '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    });
    expect(enc('uuid', Buffer.from('nope'))).toEqual({ ok: false, reason: 'not a uuid' });
    expect(enc('jsonb', Buffer.from('{"a":[1,2]}'))).toEqual({ ok: true, text: '{"a":[1,2]}' });
    expect(enc('jsonb', Buffer.from('{a:1}'))).toEqual({ ok: false, reason: 'not valid JSON' });
    expect(enc('timestamp with time zone', 0n)).toEqual({ ok: true, text: '1970-01-01T00:00:00.000Z' });
    expect(enc('timestamp with time zone', Buffer.from('2024-02-03 04:05:06'))).toEqual({
      ok: true,
      text: '2024-02-03 04:05:06',
    });
    expect(enc('date', Buffer.from('yesterday'))).toEqual({ ok: false, reason: 'not an ISO-8601 date/time' });
    expect(enc('bytea', Buffer.from([0, 255]))).toEqual({ ok: true, text: '\\\\x00ff' });
    expect(enc('real[]', Buffer.from('[0.5, 1, -2]'))).toEqual({ ok: true, text: '{0.5,1,-2}' });
    expect(enc('numeric(10,2)', 0.99)).toEqual({ ok: true, text: '0.99' });
  });
});
