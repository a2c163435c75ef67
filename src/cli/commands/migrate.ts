import { relative } from 'node:path';
import {
  runMigrateBaseline,
  runMigrateCreate,
  runMigrateDown,
  runMigrateStatus,
  runMigrateUp,
} from '../../app/migrate.js';
import type { MigrationStatus, RunEvent } from '../../migrations/runner.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

export interface MigrateFlags {
  action: 'up' | 'down' | 'status' | 'create' | 'baseline';
  arg?: string;
  service?: string[];
  to?: string;
  dryRun?: boolean;
  lockTimeout?: number;
  migrations?: string;
  from?: 'prisma' | 'supabase';
}

export default async function migrateCommand(
  flags: MigrateFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const base = {
    planPath: global.plan,
    services: flags.service,
    migrationsDir: flags.migrations,
    lockTimeoutMs: flags.lockTimeout === undefined ? undefined : flags.lockTimeout * 1000,
    onEvent: global.json ? undefined : (e: RunEvent) => printEvent(e, output),
  };
  switch (flags.action) {
    case 'up':
    case 'down': {
      const run = flags.action === 'up' ? runMigrateUp : runMigrateDown;
      const { results, secrets } = await run({ ...base, to: flags.to, dryRun: flags.dryRun === true });
      output.addSecrets(secrets);
      if (global.json) output.data({ services: results });
      else for (const r of results) output.out(`${r.service}: ${summary(r.migrations)}`);
      return EXIT.ok;
    }
    case 'status': {
      const { results, secrets } = await runMigrateStatus(base);
      output.addSecrets(secrets);
      if (global.json) output.data({ services: results });
      else {
        for (const r of results) {
          output.out(`${r.service} (${r.target}): ${summary(r.migrations)}`);
          for (const m of r.migrations)
            output.out(
              `  ${m.state.padEnd(8)} ${m.version}_${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ''}`,
            );
        }
      }
      const all = results.flatMap((r) => r.migrations);
      if (all.some((m) => m.state === 'drift')) return EXIT.drift;
      if (all.some((m) => m.state === 'pending')) return EXIT.pending;
      return EXIT.ok;
    }
    case 'create': {
      if (!flags.arg) throw new Error('migrate create needs a name');
      const written = await runMigrateCreate({ ...base, name: flags.arg });
      if (global.json) output.data({ files: written.map((f) => relative(process.cwd(), f)) });
      else for (const f of written) output.out(`created ${relative(process.cwd(), f)}`);
      return EXIT.ok;
    }
    case 'baseline': {
      const { results, secrets } = await runMigrateBaseline({
        ...base,
        from: flags.from,
        dir: flags.arg,
        to: flags.to,
      });
      output.addSecrets(secrets);
      if (global.json) output.data({ services: results });
      else
        for (const r of results)
          output.out(
            `${r.service}: recorded ${r.recorded.length} migration(s) as applied${r.recorded.length ? `: ${r.recorded.join(', ')}` : ''}`,
          );
      return EXIT.ok;
    }
  }
}

function summary(migrations: MigrationStatus[]): string {
  const count = (state: MigrationStatus['state']) => migrations.filter((m) => m.state === state).length;
  const parts = [`${count('applied')} applied`, `${count('pending')} pending`];
  if (count('drift')) parts.push(`${count('drift')} edited after apply (drift)`);
  if (count('missing')) parts.push(`${count('missing')} applied but missing on disk`);
  return parts.join(', ');
}

function printEvent(e: RunEvent, output: Output): void {
  const id = `${e.service}: ${e.version}_${e.name}`;
  if (e.event === 'waiting-for-lock') output.err(`${e.service}: waiting for another migrate to finish ...`);
  else if (e.event === 'applied') output.err(`${id} applied in ${e.durationMs} ms`);
  else if (e.event === 'reverted') output.err(`${id} reverted in ${e.durationMs} ms`);
  else if (e.event === 'would-apply' || e.event === 'would-revert')
    output.out(`-- ${e.event === 'would-apply' ? 'up' : 'down'}: ${id}\n${e.sql?.trim() ?? ''}\n`);
}
