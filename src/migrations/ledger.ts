import type pg from 'pg';

/** Runtime SQL of the migration ledger, one named function per statement. Values are always parameters. */
export interface AppliedMigration {
  version: string;
  name: string;
  checksum: string;
  upSql: string;
  downSql: string | null;
  appliedAt: Date;
  durationMs: number;
  appliedBy: string;
}

export async function readApplied(client: pg.ClientBase, service: string): Promise<AppliedMigration[]> {
  const { rows } = await client.query(
    `SELECT version, name, checksum, up_sql, down_sql, applied_at, duration_ms, applied_by
       FROM cleave.schema_migrations WHERE service = $1`,
    [service],
  );
  return rows
    .map((r) => ({
      version: r.version as string,
      name: r.name as string,
      checksum: r.checksum as string,
      upSql: r.up_sql as string,
      downSql: (r.down_sql as string | null) ?? null,
      appliedAt: r.applied_at as Date,
      durationMs: r.duration_ms as number,
      appliedBy: r.applied_by as string,
    }))
    .sort((a, b) => compareVersions(a.version, b.version));
}

export async function insertApplied(
  client: pg.ClientBase,
  row: {
    service: string;
    version: string;
    name: string;
    checksum: string;
    upSql: string;
    downSql: string | null;
    durationMs: number;
    appliedBy: string;
    toolVersion: string;
  },
): Promise<void> {
  await client.query(
    `INSERT INTO cleave.schema_migrations (service, version, name, checksum, up_sql, down_sql, duration_ms, applied_by, tool_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      row.service,
      row.version,
      row.name,
      row.checksum,
      row.upSql,
      row.downSql,
      row.durationMs,
      row.appliedBy,
      row.toolVersion,
    ],
  );
}

export async function deleteApplied(client: pg.ClientBase, service: string, version: string): Promise<void> {
  await client.query('DELETE FROM cleave.schema_migrations WHERE service = $1 AND version = $2', [
    service,
    version,
  ]);
}

export async function recordEvent(
  client: pg.ClientBase,
  event: {
    service: string;
    version: string;
    name: string;
    event: 'applied' | 'reverted' | 'failed' | 'baselined';
    by: string;
    detail?: unknown;
  },
): Promise<void> {
  await client.query(
    'INSERT INTO cleave.migration_events (service, version, name, event, by, detail) VALUES ($1, $2, $3, $4, $5, $6)',
    [
      event.service,
      event.version,
      event.name,
      event.event,
      event.by,
      event.detail === undefined ? null : JSON.stringify(event.detail),
    ],
  );
}

export async function readProgress(
  client: pg.ClientBase,
  service: string,
  version: string,
  checksum: string,
): Promise<number> {
  const { rows } = await client.query<{ steps: number }>(
    'SELECT steps FROM cleave.migration_progress WHERE service = $1 AND version = $2 AND checksum = $3',
    [service, version, checksum],
  );
  return rows[0]?.steps ?? 0;
}

export async function saveProgress(
  client: pg.ClientBase,
  service: string,
  version: string,
  checksum: string,
  steps: number,
): Promise<void> {
  await client.query(
    `INSERT INTO cleave.migration_progress (service, version, checksum, steps) VALUES ($1, $2, $3, $4)
     ON CONFLICT (service, version) DO UPDATE SET checksum = excluded.checksum, steps = excluded.steps`,
    [service, version, checksum, steps],
  );
}

export async function clearProgress(client: pg.ClientBase, service: string, version: string): Promise<void> {
  await client.query('DELETE FROM cleave.migration_progress WHERE service = $1 AND version = $2', [
    service,
    version,
  ]);
}

export function compareVersions(a: string, b: string): number {
  const diff = BigInt(a) - BigInt(b);
  return diff < 0n ? -1 : diff > 0n ? 1 : 0;
}
