import { z } from 'zod';
import { planSchema } from './schema.js';

/** The plan's JSON Schema, as shipped in schema/cleave.schema.json for editors. */
export function planJsonSchema(): string {
  const schema = z.toJSONSchema(planSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return `${JSON.stringify({ ...schema, title: 'Cleave plan (cleave.yaml)' }, null, 2)}\n`;
}
