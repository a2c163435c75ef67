/**
 * `cleave verify --isolation`: each service's schema (or database) holds only its own tables, no foreign key
 * leaves a service, and each service's role, when one was generated, cannot read another service's rows:
 * checked by trying, as that role, inside a transaction that is rolled back.
 */
import type pg from 'pg';
import { messageOf } from '../core/errors.js';
import { quoteIdent } from '../core/ident.js';

export interface IsolationTarget {
  service: string;
  schema: string;
  /** Target table names this service owns. */
  tables: string[];
  /** The service's role (`<service>_role`), whether or not it exists. */
  role: string;
  /** Opens a session on the service's database. */
  open: () => Promise<pg.Client>;
  /** Every non-system schema of its database belongs to the service (layout: databases). */
  wholeDatabase: boolean;
}

export interface IsolationFinding {
  service: string;
  kind: 'foreign-table' | 'cross-service-fk' | 'cross-service-read' | 'not-checked';
  subject: string;
  message: string;
}

/** Tables Cleave and Prisma keep beside a service's own. */
const BOOKKEEPING = /^(_prisma_migrations|_cleave_.*)$/;

export async function checkIsolation(targets: IsolationTarget[]): Promise<IsolationFinding[]> {
  const findings: IsolationFinding[] = [];
  const ownerOf = new Map<string, string>();
  for (const t of targets) for (const table of t.tables) ownerOf.set(table, t.service);

  for (const t of targets) {
    const client = await t.open();
    try {
      const schemas = t.wholeDatabase
        ? (
            await client.query<{ nspname: string }>(
              `SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('cleave', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`,
            )
          ).rows.map((r) => r.nspname)
        : [t.schema];
      const { rows: tables } = await client.query<{ schema: string; name: string }>(
        `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
          ORDER BY 1, 2`,
        [schemas],
      );
      for (const r of tables) {
        if (BOOKKEEPING.test(r.name)) continue;
        if (r.schema === t.schema && t.tables.includes(r.name)) continue;
        const owner = ownerOf.get(r.name);
        findings.push({
          service: t.service,
          kind: 'foreign-table',
          subject: `${r.schema}.${r.name}`,
          message:
            owner && owner !== t.service
              ? `${r.schema}.${r.name} is in service ${t.service}, but the plan gives ${r.name} to ${owner}`
              : `${r.schema}.${r.name} is in service ${t.service}, which the plan does not give it`,
        });
      }
      const { rows: fks } = await client.query<{ name: string; from: string; to: string }>(
        `SELECT k.conname AS name, format('%I.%I', n.nspname, c.relname) AS from, format('%I.%I', fn.nspname, fc.relname) AS to
           FROM pg_constraint k
           JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_class fc ON fc.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace
          WHERE k.contype = 'f' AND n.nspname = ANY($1) AND n.nspname <> fn.nspname
          ORDER BY 2, 1`,
        [schemas],
      );
      for (const fk of fks) {
        findings.push({
          service: t.service,
          kind: 'cross-service-fk',
          subject: `${fk.from}.${fk.name}`,
          message: `foreign key ${fk.name} on ${fk.from} references ${fk.to}, outside service ${t.service}`,
        });
      }
    } finally {
      await client.end().catch(() => {});
    }
  }
  // Deduplicate: a foreign key between two checked schemas is seen from both ends.
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const id = `${f.kind}:${f.subject}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return [...unique, ...(await checkReads(targets))];
}

/** As each service's role, tries to read one row of every other service's tables. */
async function checkReads(targets: IsolationTarget[]): Promise<IsolationFinding[]> {
  const findings: IsolationFinding[] = [];
  for (const owner of targets) {
    const client = await owner.open();
    try {
      const { rows } = await client.query<{ rolname: string }>(
        'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)',
        [targets.map((t) => t.role)],
      );
      const roles = new Set(rows.map((r) => r.rolname));
      for (const reader of targets) {
        if (reader === owner || !roles.has(reader.role)) continue;
        for (const table of owner.tables) {
          const subject = `${owner.schema}.${table}`;
          const outcome = await tryRead(client, reader.role, subject);
          if (outcome === 'denied') continue;
          findings.push(
            outcome === 'read'
              ? {
                  service: reader.service,
                  kind: 'cross-service-read',
                  subject,
                  message: `role ${reader.role} of service ${reader.service} can read ${subject} of service ${owner.service}`,
                }
              : {
                  service: reader.service,
                  kind: 'not-checked',
                  subject,
                  message: `could not try reading ${subject} as ${reader.role}: ${outcome}`,
                },
          );
        }
      }
    } finally {
      await client.end().catch(() => {});
    }
  }
  return findings;
}

async function tryRead(
  client: pg.ClientBase,
  role: string,
  table: string,
): Promise<'read' | 'denied' | string> {
  const [schema, name] = [table.slice(0, table.indexOf('.')), table.slice(table.indexOf('.') + 1)];
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL ROLE ${quoteIdent(role)}`);
  } catch (error) {
    await client.query('ROLLBACK');
    return `cannot SET ROLE ${role} (${messageOf(error)}); verify as a superuser or a member of the service roles`;
  }
  try {
    await client.query(`SELECT 1 FROM ${quoteIdent(schema)}.${quoteIdent(name)} LIMIT 1`);
    return 'read';
  } catch (error) {
    return (error as { code?: string }).code === '42501' ? 'denied' : messageOf(error);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
}
