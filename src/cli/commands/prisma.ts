import { relative } from 'node:path';
import { runPrisma } from '../../app/prisma.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface PrismaFlags {
  from?: string;
  out: string;
  services?: number;
  force?: boolean;
  layout?: 'schemas' | 'databases';
}

export default async function prismaCommand(
  flags: PrismaFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const result = await runPrisma({
    planPath: global.plan,
    from: flags.from,
    out: flags.out,
    services: flags.services,
    force: flags.force === true,
    layout: flags.layout,
  });
  if (global.json) {
    output.data({
      ...result,
      files: result.files.map(shown),
    });
    return EXIT.ok;
  }
  const how = result.assignment === 'plan' ? `as ${global.plan} says` : 'as proposed from the relations';
  output.out(
    `wrote ${result.files.length} files for ${result.services.length} services (${how}, layout ${result.layout}) under ${shown(flags.out)}`,
  );
  for (const service of result.services) {
    const out = result.crossServiceRelations.filter((r) => r.fromService === service).length;
    output.out(`  ${service.padEnd(16)} prisma/${service}/schema.prisma  ${out} relations to other services`);
  }
  if (result.crossServiceRelations.length > 0) {
    output.out(
      `${result.crossServiceRelations.length} relations crossed a service boundary: their foreign-key columns stay, ` +
        'marked `/// was a relation to ...`: the application now checks them',
    );
  }
  output.out(
    `next: export ${Object.values(result.envVars).join(', ')}, then per service \`npx prisma generate --config prisma/<service>/prisma.config.ts\``,
  );
  return EXIT.ok;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}
