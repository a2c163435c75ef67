import { z } from 'zod';

/**
 * The plan file (`cleave.yaml`). Objects are strict so that a misspelled key is reported, not ignored.
 * `scripts/write-plan-schema.ts` turns this into schema/cleave.schema.json for editors.
 */
const identifier = z.string().min(1, 'must not be empty');

const serviceName = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]*$/,
    'service names are lower-case letters, digits and _ (they become schema and role names)',
  );

export const encryptSchema = z
  .object({
    with: z.literal('pgcrypto').describe('Encrypt with pgp_sym_encrypt from the pgcrypto extension'),
    keyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name, e.g. CLEAVE_SECRET_KEY')
      .describe('The environment variable that holds the key; the key itself never goes in the plan'),
  })
  .strict();

export const columnOptionsSchema = z
  .object({
    type: z.string().min(1).optional().describe('The PostgreSQL type this column must have in the target'),
    fallback: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Type to use when the target lacks the extension that provides `type` (e.g. real[] for vector)',
      ),
    encrypt: encryptSchema.optional(),
    rename: identifier.optional().describe('The column’s name in the target'),
    drop: z.literal(true).optional().describe('Leave the column out of the target'),
    whenNull: z
      .union([z.string(), z.number(), z.boolean()])
      .optional()
      .describe('copy: the value written where the source holds NULL'),
    map: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('copy: source value (as text) -> target value; values not listed are copied as they are'),
    repair: z
      .object({
        invalidUtf8: z
          .literal('replace')
          .optional()
          .describe('copy: text that is not valid UTF-8 is copied with U+FFFD for each bad sequence'),
        nul: z.literal('remove').optional().describe('copy: NUL characters in text are removed'),
      })
      .strict()
      .optional()
      .describe(
        'copy: repair values that would be rejected; each repaired value is listed in the reject file (kind "repaired")',
      ),
  })
  .strict();

export const tableOptionsSchema = z
  .object({
    key: z
      .array(identifier)
      .min(1)
      .optional()
      .describe('Columns that identify a row, for a table without a primary key (copy and verify need one)'),
    rename: identifier.optional().describe('The table’s name in the target'),
    split: z
      .record(serviceName, z.string().min(1))
      .optional()
      .describe(
        'One table split across services: service -> SQL condition choosing its rows (list the table in each)',
      ),
    filter: z
      .string()
      .min(1)
      .optional()
      .describe('copy: only rows matching this SQL condition (in the source’s dialect) are copied'),
    columns: z.record(z.string(), columnOptionsSchema).optional(),
  })
  .strict();

export const serviceSchema = z
  .object({
    tables: z.array(identifier).describe('Tables this service owns: `name`, or `schema.name` outside public'),
    url: z.string().min(1).optional().describe('layout=databases: this service’s database URL'),
    schema: identifier.optional().describe('layout=schemas: schema name, when not the service name'),
    description: z.string().optional(),
  })
  .strict();

export const planSchema = z
  .object({
    version: z.literal(1, { error: 'only `version: 1` exists' }),
    source: z
      .object({
        url: z.string().min(1).describe('sqlite:PATH (relative to this file) or postgres://...'),
        schemas: z
          .array(identifier)
          .min(1)
          .optional()
          .describe('PostgreSQL schemas to read (default: all user schemas)'),
      })
      .strict(),
    layout: z.enum(['schemas', 'databases']).default('schemas'),
    target: z
      .object({ url: z.string().min(1).optional() })
      .strict()
      .optional()
      .describe('Omitted: an embedded PostgreSQL under .cleave/'),
    supabase: z
      .object({
        usersService: serviceName.optional().describe('The service that takes over auth.users'),
      })
      .strict()
      .optional(),
    services: z
      .record(serviceName, serviceSchema)
      .refine((s) => Object.keys(s).length > 0, 'name at least one service'),
    tables: z.record(z.string(), tableOptionsSchema).optional(),
  })
  .strict();

export type Plan = z.infer<typeof planSchema>;
export type ServicePlan = z.infer<typeof serviceSchema>;
export type TableOptions = z.infer<typeof tableOptionsSchema>;
export type ColumnOptions = z.infer<typeof columnOptionsSchema>;
