import type { Table } from '../catalog/model.js';
import { copyColumnsOf } from '../copy/columns.js';
import type { Repair } from '../copy/encode.js';
import { CleaveError } from '../core/errors.js';
import { quoteIdent } from '../core/ident.js';
import { copyKeyOf } from '../plan/copy-key.js';
import { tableOptionsOf, targetNames } from '../plan/names.js';
import { splitOf } from '../plan/ownership.js';
import type { Plan } from '../plan/schema.js';
import { canonicalizerFor, canonicalSql } from './canonical.js';
import { type HashKind, hashKindOf } from './typed-hash.js';

/** One compared column: how each side computes its canonical value. */
export interface VerifyColumn {
  /** Name in the target. */
  name: string;
  /** Name in the source. */
  source: string;
  /** Target type (text for an encrypted column, compared decrypted). */
  type: string;
  /** SQL on a PostgreSQL source: the canonical value of what the copy wrote. */
  sourceSql: string;
  /** SQL on the target: the canonical value stored (decrypted with $1 when encrypted). */
  targetSql: string;
  encrypted: boolean;
  /** The target type is an enum (its labels compare as text). */
  enum: boolean;
  /** How the column enters the typed row hash (null: inside its text field). */
  kind: HashKind | null;
  /** SQLite source: the plan's value map and value for NULL (data, for worker threads). */
  rules?: {
    map?: Record<string, string | number | boolean | null>;
    whenNull?: string | number | boolean;
    repair?: Repair;
  };
}

export interface NotCompared {
  column: string;
  reason: string;
}

/** How one source table of one service is compared with its target table. */
export interface TableSpec {
  service: string;
  /** The source table (id as `cleave analyze` lists it). */
  source: Table;
  schema: string;
  /** Target table name. */
  target: string;
  columns: VerifyColumn[];
  notCompared: NotCompared[];
  /** Source columns the plan keeps that the target table lacks: the table cannot match. */
  missingColumns: string[];
  /** Indexes into `columns` of the key; empty: rows are compared by content (no key in the target). */
  key: number[];
  /** SQL filter on the source: the plan's filter and this service's share of a split table. */
  filter: string | undefined;
  /** The key for decrypting encrypted columns (a bind parameter; never printed). */
  encryptionKey: string | undefined;
  /**
   * The row hash: `typed` (typed-hash.ts) when every PostgreSQL side has hash_record_extended (14 and later),
   * else `text`, the hash of the whole row's canonical text.
   */
  hashFormat: 'typed' | 'text';
}

const INTEGER = new Set(['smallint', 'integer', 'bigint']);

/** Builds the comparison of one table, applying the plan's renames, drops, casts, value rules and encryption. */
export function tableSpec(input: {
  plan: Plan;
  service: string;
  schema: string;
  source: Table;
  target: Table;
  sqliteSource: boolean;
  env: NodeJS.ProcessEnv;
}): TableSpec {
  const { plan, source, target } = input;
  const options = tableOptionsOf(plan, source);
  const names = targetNames(plan, source);
  const notCompared: NotCompared[] = [];
  const columns: VerifyColumn[] = [];
  let encryptionKey: string | undefined;
  for (const c of copyColumnsOf(source, target, plan)) {
    const sourceName = c.source ?? c.name;
    const targetColumn = target.columns.find((t) => t.name === c.name)!;
    const type = c.type ?? targetColumn.type;
    const quoted = quoteIdent(c.name);
    let targetSql = canonicalSql(quoted, type);
    if (c.encrypted) {
      const env = options?.columns?.[sourceName]?.encrypt?.keyEnv ?? '';
      const key = input.env[env];
      if (!key) {
        notCompared.push({ column: c.name, reason: `encrypted; set ${env} to compare it decrypted` });
        continue;
      }
      encryptionKey = key;
      targetSql = `public.pgp_sym_decrypt(${quoted}, $1)`;
    }
    const isEnum = targetColumn.userType !== null && !targetColumn.isArray;
    const columnOptions = options?.columns?.[sourceName];
    // From SQLite, values are canonicalised in JavaScript (sqlite-scan.ts), which not every type allows.
    if (input.sqliteSource && canonicalizerFor(type, { enum: isEnum }) === null) {
      notCompared.push({
        column: c.name,
        reason: `a SQLite value's ${type} text is PostgreSQL's to define; compare it after the cutover with a PostgreSQL source`,
      });
      continue;
    }
    columns.push({
      name: c.name,
      source: sourceName,
      type,
      sourceSql: canonicalSql(c.selectExpression ?? quoted, type),
      targetSql,
      encrypted: c.encrypted,
      enum: isEnum,
      kind: hashKindOf(type, { enum: isEnum }),
      rules: { map: columnOptions?.map, whenNull: columnOptions?.whenNull, repair: columnOptions?.repair },
    });
  }

  const missingColumns = source.columns
    .filter((c) => {
      const name = names.column(c.name);
      return name !== null && !target.columns.some((t) => t.name === name);
    })
    .map((c) => names.column(c.name)!);
  const copyKey = copyKeyOf(source, options?.key);
  let key: number[] = [];
  if (copyKey && copyKey.source !== 'rowid') {
    key = copyKey.columns.map((k) => columns.findIndex((c) => c.name === names.column(k)));
    if (key.some((i) => i < 0)) {
      throw new CleaveError(
        'PLAN_INVALID',
        `the key of ${source.id} (${copyKey.columns.join(', ')}) is not a compared column of ${input.schema}.${target.name}`,
        {
          hint: 'a key column must be copied unencrypted; set tables.<table>.key in the plan to another key',
        },
      );
    }
  }
  const filter =
    [options?.filter, splitOf(plan, source)?.[input.service]]
      .filter((c) => c !== undefined)
      .map((c) => `(${c})`)
      .join(' AND ') || undefined;
  return {
    service: input.service,
    source,
    schema: input.schema,
    target: target.name,
    columns,
    notCompared,
    missingColumns,
    key,
    filter,
    encryptionKey,
    hashFormat: 'typed',
  };
}

/** The first key column, when it is an integer: rows are then grouped by key ranges (index range scans). */
export function integerKey(spec: TableSpec): VerifyColumn | null {
  const first = spec.key[0];
  if (first === undefined) return null;
  const column = spec.columns[first]!;
  return INTEGER.has(column.type) ? column : null;
}
