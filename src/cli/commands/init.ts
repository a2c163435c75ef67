import { relative } from 'node:path';
import { runInit } from '../../app/init.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface InitFlags {
  source: string;
  layout: 'schemas' | 'databases';
  services?: number;
  force?: boolean;
}

export default async function initCommand(
  flags: InitFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const result = await runInit({
    sourceUrl: flags.source,
    planPath: global.plan,
    layout: flags.layout,
    maxServices: flags.services,
    force: flags.force === true,
  });
  const where = relative(process.cwd(), result.path) || result.path;
  if (global.json) {
    output.data({ plan: where, services: result.services, envToSet: result.envToSet });
    return EXIT.ok;
  }
  output.out(
    `wrote ${where}: ${result.catalog.tables.length} tables in ${result.services.length} proposed services`,
  );
  for (const s of result.services)
    output.out(`  ${s.name.padEnd(16)} ${s.tables.length} tables  ${s.reason}`);
  if (result.envToSet)
    output.out(
      `the source URL holds a password, so the plan reads it from ${result.envToSet}: export ${result.envToSet}=... before running cleave`,
    );
  output.out(
    `next: review the services, then run \`cleave analyze${global.plan === 'cleave.yaml' ? '' : ` --plan ${global.plan}`}\``,
  );
  return EXIT.ok;
}
