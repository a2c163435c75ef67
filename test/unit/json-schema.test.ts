import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { planJsonSchema } from '../../src/plan/json-schema.js';

describe('schema/cleave.schema.json', () => {
  it('is the current plan schema (run `npm run schema:json` after changing src/plan/schema.ts)', () => {
    const shipped = readFileSync(new URL('../../schema/cleave.schema.json', import.meta.url), 'utf8');
    expect(shipped).toBe(planJsonSchema());
    const schema = JSON.parse(shipped);
    expect(schema.required).toEqual(['version', 'source', 'services']);
    expect(schema.properties.layout.enum).toEqual(['schemas', 'databases']);
    expect(schema.additionalProperties).toBe(false);
  });
});
