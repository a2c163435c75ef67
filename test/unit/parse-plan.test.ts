import { describe, expect, it } from 'vitest';
import { CleaveError } from '../../src/core/errors.js';
import { parsePlan } from '../../src/plan/parse.js';

function parseError(text: string, env: Record<string, string> = {}): CleaveError {
  try {
    parsePlan(text, { fileName: 'cleave.yaml', env });
  } catch (error) {
    if (error instanceof CleaveError) return error;
    throw error;
  }
  throw new Error('expected the plan to be rejected');
}

const VALID = `version: 1
source: { url: "sqlite:./app.db" }
layout: schemas
services:
  auth: { tables: [users, api_keys] }
  jobs:
    tables: [jobs, job_logs]
`;

describe('parsePlan', () => {
  it('accepts a valid plan and defaults the layout', () => {
    const { plan } = parsePlan(VALID.replace('layout: schemas\n', ''), { env: {} });
    expect(plan.layout).toBe('schemas');
    expect(plan.services.jobs?.tables).toEqual(['jobs', 'job_logs']);
  });

  it('interpolates ${ENV} and ${ENV:-default}, and keeps the values as secrets to redact', () => {
    const text = `version: 1
source: { url: "\${SRC}" }
target: { url: "\${TGT:-embedded:cleave}" }
services: { a: { tables: [t] } }
`;
    const parsed = parsePlan(text, { env: { SRC: 'postgres://u:pw@h/db' } });
    expect(parsed.plan.source.url).toBe('postgres://u:pw@h/db');
    expect(parsed.plan.target?.url).toBe('embedded:cleave');
    expect(parsed.secrets).toEqual(['postgres://u:pw@h/db']);
  });

  it('names a missing environment variable with its path and line', () => {
    const error = parseError(
      `version: 1\nsource:\n  url: "\${SOURCE_URL}"\nservices: { a: { tables: [t] } }\n`,
    );
    expect(error.message).toBe('cleave.yaml:3: source.url: environment variable SOURCE_URL is not set');
    expect(error.hint).toContain('export SOURCE_URL=');
  });

  it('reports invalid YAML with its line', () => {
    const error = parseError('version: 1\nsource: { url: "x"\nservices:\n  a: [\n');
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/^cleave\.yaml:\d+: invalid YAML: /);
  });

  it('suggests the key meant for a misspelled one, with its line', () => {
    const error = parseError(VALID.replace('  jobs:\n    tables:', '  jobs:\n    tabels:'));
    expect(error.message).toContain(
      'cleave.yaml:7: services.jobs: unknown key `tabels`: did you mean `tables`?',
    );
    expect(error.issues[1]?.message).toBe('missing `tables` (array)');
  });

  it('requires a url per service in the databases layout, and names the service', () => {
    const error = parseError(VALID.replace('layout: schemas', 'layout: databases'));
    expect(error.message).toBe(
      'cleave.yaml:5: services.auth.url: service `auth` has no url: with layout: databases every service needs its own database (and 1 more problem)',
    );
    expect(error.issues.map((i) => i.path)).toEqual(['services.auth.url', 'services.jobs.url']);
    expect(error.hint).toContain('embedded:auth');
  });

  it('rejects an unknown layout and a bad service name', () => {
    const error = parseError(
      VALID.replace('layout: schemas', 'layout: shards').replace('  auth:', '  Auth-Service:'),
    );
    const messages = error.issues.map((i) => `${i.path}: ${i.message}`);
    expect(messages.some((m) => m.startsWith('layout: '))).toBe(true);
    expect(messages.some((m) => m.includes('service names are lower-case'))).toBe(true);
  });

  it('rejects a document that is not a mapping', () => {
    expect(parseError('- a\n- b\n').message).toContain('the plan must be a YAML mapping');
  });
});
