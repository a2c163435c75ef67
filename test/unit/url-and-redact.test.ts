import { describe, expect, it } from 'vitest';
import { redactText, redactUrl } from '../../src/core/redact.js';
import { parseDatabaseUrl, sameServer } from '../../src/db/url.js';

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

describe('sameServer (whether two sides share one server, and so its cores)', () => {
  it('compares host and port, local addresses and sockets alike, never a SQLite file', () => {
    expect(sameServer('postgres://a@127.0.0.1:5432/x', 'postgres://b:pw@localhost/y')).toBe(true);
    expect(sameServer('postgres://a@[::1]:5432/x', 'postgresql://b@127.0.0.1/y?schema=app')).toBe(true);
    expect(sameServer('postgres:///x?host=/var/run/postgresql', 'postgres://localhost:5432/y')).toBe(true);
    expect(sameServer('postgres://a@db.example.com/x', 'postgres://a@DB.example.com:5432/y')).toBe(true);
    expect(sameServer('postgres://a@127.0.0.1:5432/x', 'postgres://a@127.0.0.1:5433/x')).toBe(false);
    expect(sameServer('postgres://a@db1.example.com/x', 'postgres://a@db2.example.com/x')).toBe(false);
    expect(sameServer('embedded:src', 'embedded:dst')).toBe(true);
    expect(sameServer('sqlite:./app.db', 'sqlite:./app.db')).toBe(false);
    expect(sameServer('not a url', 'postgres://localhost/x')).toBe(false);
  });
});
