import { stringify } from 'yaml';
import type { Catalog, Table } from '../catalog/model.js';
import type { ProposedService } from './propose.js';

/**
 * Writes the starting `cleave.yaml` of `cleave init`: valid for parsePlan as written, and commented so that a
 * reviewer sees, next to each table, what moving it would cut. Pure: the caller writes the file.
 */
export interface RenderPlanInput {
  /** Written exactly as given: the caller passes `${SOURCE_URL}` or a URL without its password. */
  sourceUrl: string;
  layout: 'schemas' | 'databases';
  services: ProposedService[];
  catalog: Catalog;
  /** Supabase: the service that takes over auth.users. */
  usersService?: string;
}

/** Trailing comments line up, unless one long table name would push them all far to the right. */
const MAX_ALIGN = 40;

export function renderPlanYaml(input: RenderPlanInput): string {
  const { catalog, services } = input;
  const owner = new Map<string, string>();
  for (const s of services) for (const t of s.tables) if (!owner.has(t)) owner.set(t, s.name);
  const tables = new Map(catalog.tables.map((t) => [t.id, t]));
  const lines = [
    `# Cleave plan for ${oneLine(catalog.database)}: which service owns each of its ${catalog.tables.length} tables.`,
    '# Proposed from the foreign keys between tables: move tables between services as the application needs.',
    '# Check it with `cleave analyze`: it lists each foreign key that crosses two services (the split drops',
    '# those constraints, so the application must keep them) and each table that still needs a key.',
    'version: 1',
    'source:',
    `  url: ${scalar(input.sourceUrl)}`,
    `layout: ${input.layout}`,
    '# Where the services are created. Without a target, an embedded PostgreSQL under .cleave/ is used.',
    '# target:',
    `#   url: \${TARGET_URL}`,
  ];
  if (input.usersService !== undefined)
    lines.push('supabase:', `  usersService: ${scalar(input.usersService)}`);
  lines.push('services:');
  for (const service of services) {
    lines.push(`  # ${oneLine(service.reason)}`, `  ${scalar(service.name)}:`);
    if (input.layout === 'databases')
      lines.push(`    url: ${scalar(`\${${service.name.toUpperCase()}_DATABASE_URL}`)}`);
    if (service.tables.length === 0) {
      lines.push('    tables: []');
      continue;
    }
    lines.push('    tables:');
    const items = service.tables.map((id) => `      - ${scalar(id)}`);
    const width = Math.min(MAX_ALIGN, Math.max(...items.map((i) => i.length)));
    service.tables.forEach((id, i) => {
      lines.push(
        `${items[i]!.padEnd(width)}  # ${oneLine(tableNote(service.name, tables.get(id), catalog, owner))}`,
      );
    });
  }
  lines.push(...unassignedBlock(catalog, owner), ...noPrimaryKeyBlock(catalog));
  return `${lines.join('\n')}\n`;
}

/** `412 rows; references Customer (sales), auth.users (not in the catalog)`: what moving this table would cut. */
function tableNote(
  service: string,
  table: Table | undefined,
  catalog: Catalog,
  owner: ReadonlyMap<string, string>,
): string {
  if (!table) return 'not in the catalog';
  const targets: string[] = [];
  for (const target of referencedIds(table, catalog)) {
    const where = !target.known ? 'not in the catalog' : (owner.get(target.id) ?? 'in no service');
    if (where === service) continue;
    const text = `${target.id} (${where})`;
    if (!targets.includes(text)) targets.push(text);
  }
  const rows = rowCount(table);
  return targets.length > 0 ? `${rows}; references ${targets.join(', ')}` : rows;
}

function rowCount(table: Table): string {
  if (table.rows === null) return 'rows unknown';
  const n = String(table.rows).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${table.rowsExact ? '' : '~'}${n} row${table.rows === 1 ? '' : 's'}`;
}

/** The tables a table's foreign keys point at, by Table.id; `known` is false for tables outside the catalog. */
function referencedIds(table: Table, catalog: Catalog): { id: string; known: boolean }[] {
  const defaultSchema = catalog.engine === 'sqlite' ? 'main' : 'public';
  return table.foreignKeys.map((fk) => {
    const { schema, name } = fk.references;
    const found = catalog.tables.find((t) => t.schema === schema && t.name === name);
    return found
      ? { id: found.id, known: true }
      : { id: schema === defaultSchema ? name : `${schema}.${name}`, known: false };
  });
}

function unassignedBlock(catalog: Catalog, owner: ReadonlyMap<string, string>): string[] {
  const missing = catalog.tables.filter((t) => !owner.has(t.id)).map((t) => t.id);
  if (missing.length === 0) return [];
  return [
    '# Tables in no service yet: add each to one service.',
    ...missing.map((id) => `#   - ${scalar(id)}`),
  ];
}

/** A commented `tables:` section to complete: copy and verify need columns that identify a row. */
function noPrimaryKeyBlock(catalog: Catalog): string[] {
  const keyless = catalog.tables.filter((t) => t.primaryKey === null);
  if (keyless.length === 0) return [];
  const lines = [
    '# Tables without a primary key: copy and verify need columns that identify each row.',
    '# Uncomment, and check the columns (a unique key is used where the table has one):',
    '# tables:',
  ];
  for (const table of keyless) {
    const unique =
      table.uniqueKeys[0]?.columns ?? table.indexes.find((i) => i.unique && i.predicate === null)?.columns;
    const columns = unique ?? table.columns.map((c) => c.name);
    const guess = unique ? '' : '  # no unique key: all columns; keep those that identify a row';
    lines.push(`#   ${scalar(table.id)}: { key: [${columns.map(flowScalar).join(', ')}] }${guess}`);
  }
  return lines;
}

/** A YAML scalar for block context, quoted by the yaml package exactly when the text needs it. */
function scalar(text: string): string {
  const out = stringify(text, { lineWidth: 0 }).trimEnd();
  // A multi-line block scalar cannot sit on a `key: value` line; a JSON string is valid double-quoted YAML.
  return out.includes('\n') ? JSON.stringify(text) : out;
}

/** Inside `[...]` a plain scalar may not contain the flow indicators. */
function flowScalar(text: string): string {
  const out = scalar(text);
  return /^["']/.test(out) || !/[,[\]{}]/.test(out) ? out : JSON.stringify(text);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
