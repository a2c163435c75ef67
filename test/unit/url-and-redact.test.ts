import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../src/core/redact.js';
import { parseDatabaseUrl } from '../../src/db/url.js';

describe('parseDatabaseUrl', () => {
  it('resolves relative SQLite paths against the plan folder', () => {
    expect(parseDatabaseUrl('sqlite:./app.db', '/srv/project')).toEqual({
      engine: 'sqlite',
      path: '/srv/project/app.db',
      display: 'sqlite:./app.db',
    });
    expect(parseDatabaseUrl('/abs/x.sqlite3', '/elsewhere')).toMatchObject({
      engine: 'sqlite',
      path: '/abs/x.sqlite3',
    });
  });

  it('strips pooler-only parameters and remembers connection_limit and pgbouncer', () => {
    const parsed = parseDatabaseUrl(
      'postgresql://u:secret@db.example:6543/app?pgbouncer=true&connection_limit=10&sslmode=require',
    );
    expect(parsed).toMatchObject({ engine: 'postgres', pooled: true, connectionLimit: 10, database: 'app' });
    if (parsed.engine !== 'postgres') throw new Error('postgres expected');
    expect(parsed.connectionString).toBe('postgresql://u:secret@db.example:6543/app?sslmode=require');
    expect(parsed.display).toBe('postgresql://u:***@db.example:6543/app?sslmode=require');
  });

  it('reads embedded:NAME', () => {
    expect(parseDatabaseUrl('embedded:budget_api')).toEqual({
      engine: 'embedded',
      database: 'budget_api',
      display: 'embedded:budget_api',
    });
  });

  it('refuses what it cannot read, without echoing a password', () => {
    expect(() => parseDatabaseUrl('mysql://root:hunter2@h/db')).toThrow(
      'unsupported database URL mysql://root:***@h/db',
    );
    expect(() => parseDatabaseUrl('')).toThrow('the database URL is empty');
  });
});

describe('redaction', () => {
  it('hides passwords in URLs, query parameters and known secrets', () => {
    expect(redactUrl('postgres://admin:p%40ss@h:5432/db')).toBe('postgres://admin:***@h:5432/db');
    expect(redactUrl('postgres://admin@h/db')).toBe('postgres://admin@h/db');
    expect(
      redactText('failed for host=h password=x and postgres://a:b@h/db?password=zz', ['topsecretkey']),
    ).toBe('failed for host=h password=*** and postgres://a:***@h/db?password=***');
    expect(redactText('the key is topsecretkey.', ['topsecretkey'])).toBe('the key is ***.');
  });
});
