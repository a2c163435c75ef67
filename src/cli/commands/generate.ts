import { relative } from 'node:path';
import { runGenerate } from '../../app/generate.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface GenerateFlags {
  roles?: boolean;
  force?: boolean;
  migrations?: string;
}

export default async function generateCommand(
  flags: GenerateFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const result = await runGenerate({
    planPath: global.plan,
    roles: flags.roles === true,
    force: flags.force === true,
    migrationsDir: flags.migrations,
  });
  output.addSecrets(result.secrets);
  if (global.json) {
    output.data({
      services: result.services.map((s) => ({
        service: s.ddl.service,
        schema: s.ddl.schema,
        role: s.ddl.role,
        file: relative(process.cwd(), s.file),
        status: s.status,
        tables: s.ddl.up.filter((x) => x.kind === 'create-table').length,
        crossServiceReferences: s.ddl.crossServiceReferences,
        typeChoices: s.ddl.choices,
        notes: s.ddl.notes,
      })),
    });
    return EXIT.ok;
  }
  for (const s of result.services) {
    const tables = s.ddl.up.filter((x) => x.kind === 'create-table').length;
    output.out(
      `${s.status.padEnd(11)} ${relative(process.cwd(), s.file)}  ${tables} tables, ${s.ddl.crossServiceReferences.length} cross-service references${s.ddl.role ? `, role ${s.ddl.role}` : ''}`,
    );
    for (const note of s.ddl.notes) output.out(`            note: ${note}`);
  }
  output.out('next: review the files, then run `cleave migrate up`');
  return EXIT.ok;
}
