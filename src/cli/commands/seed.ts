import { runSeed, runSeedReset, runSeedStatus, runSetup } from '../../app/seed.js';
import { CleaveError } from '../../core/errors.js';
import type { SeedStatus } from '../../seed/runner.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface SeedFlags {
  action?: 'setup';
  args?: string[];
  service?: string[];
  seeds?: string;
  migrations?: string;
  yes?: boolean;
}

export default async function seedCommand(
  flags: SeedFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const args = flags.args ?? [];
  const mode =
    flags.action === 'setup' ? 'setup' : args[0] === 'status' || args[0] === 'reset' ? args[0] : 'run';
  const options = {
    planPath: global.plan,
    services: flags.service,
    seedsDir: flags.seeds,
    migrationsDir: flags.migrations,
    sets: mode === 'run' ? args : undefined,
    onSet: global.json
      ? undefined
      : (set: { service: string; name: string }, ms: number) =>
          output.err(`${set.service}: seed set ${set.name} ran in ${ms} ms`),
  };
  if (mode === 'reset' && !flags.yes) {
    throw new CleaveError(
      'UNSUPPORTED',
      'seed reset empties every table of the selected services before seeding again',
      {
        hint: 'pass --yes to confirm (and --service S to limit it)',
      },
    );
  }
  const run =
    mode === 'status'
      ? runSeedStatus
      : mode === 'reset'
        ? runSeedReset
        : mode === 'setup'
          ? runSetup
          : runSeed;
  const { results, secrets } = await run(options);
  output.addSecrets(secrets);
  if (global.json) output.data({ services: results });
  else {
    for (const r of results) {
      if (r.truncated) output.out(`${r.service}: emptied ${r.truncated.length} tables`);
      output.out(`${r.service}: ${summary(r.sets)}`);
      if (mode === 'status')
        for (const s of r.sets)
          output.out(
            `  ${s.state.padEnd(8)} ${s.name}${s.appliedAt ? `  ${s.appliedAt.toISOString()}` : ''}`,
          );
    }
  }
  if (mode === 'status' && results.some((r) => r.sets.some((s) => s.state !== 'applied')))
    return EXIT.pending;
  return EXIT.ok;
}

function summary(sets: SeedStatus[]): string {
  const n = (state: SeedStatus['state']) => sets.filter((s) => s.state === state).length;
  return `${sets.length} seed sets: ${n('applied')} applied, ${n('pending')} pending, ${n('changed')} changed since run`;
}
