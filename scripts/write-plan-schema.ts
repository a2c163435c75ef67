// Writes schema/cleave.schema.json from the plan's zod schema, for editors (yaml-language-server).
// A test fails when the committed file is out of date: run `npm run schema:json` after changing src/plan/schema.ts.
import { writeFileSync } from 'node:fs';
import { planJsonSchema } from '../src/plan/json-schema.js';

const target = new URL('../schema/cleave.schema.json', import.meta.url);
writeFileSync(target, planJsonSchema());
console.log(`wrote ${target.pathname}`);
