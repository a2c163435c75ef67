import { Command, CommanderError, Option } from 'commander';
import { EXIT } from './exit-codes.js';
import { Output } from './output.js';

export interface GlobalOptions {
  plan: string;
  json: boolean;
}

/** The `cleave` program. Each command's file is imported only when that command runs. */
export function program(): Command {
  const cli = new Command('cleave')
    .description('Split a monolith database into per-service PostgreSQL schemas or databases')
    .version(VERSION)
    .option('--plan <file>', 'plan file', 'cleave.yaml')
    .option('--json', 'machine-readable output on stdout', false)
    .showHelpAfterError()
    .exitOverride();

  cli
    .command('analyze')
    .description(
      'read the source catalog and check the split: tables, keys, cross-service FKs, cycles, value problems',
    )
    .option(
      '--source <url>',
      'source database (overrides the plan’s source; without a plan, analyze the source alone)',
    )
    .option('--mermaid', 'print an ER diagram per service (Mermaid) instead of the report')
    .addOption(
      new Option('--counts <mode>', 'row counts on PostgreSQL')
        .choices(['auto', 'exact', 'estimate'])
        .default('auto'),
    )
    .option('--sample-rows <n>', 'rows sampled per SQLite table for type checks', parseCount, 10_000)
    .option(
      '--demo-source',
      'build the plan’s example monolith first when its source is missing (used by `npm run demo`)',
    )
    .action(run('./commands/analyze.js'));

  cli
    .command('init')
    .description('propose services from the FK graph and write a commented plan file')
    .requiredOption('--source <url>', 'source database: sqlite:PATH or postgres://...')
    .addOption(
      new Option('--layout <layout>', 'target layout').choices(['schemas', 'databases']).default('schemas'),
    )
    .option('--services <n>', 'at most this many services', parseCount)
    .option('--force', 'overwrite an existing plan file')
    .action(run('./commands/init.js'));

  cli
    .command('generate')
    .description(
      'write migrations/<service>/0001_init.sql for every service, from the plan and the source catalog',
    )
    .option('--roles', 'add one login role per service with rights on its own schema or database only')
    .option('--migrations <dir>', 'migrations folder (default: migrations/ beside the plan)')
    .option('--force', 'overwrite an initial migration that differs (only if it was never applied)')
    .action(run('./commands/generate.js'));

  const migrate = cli
    .command('migrate')
    .description('per-service migrations: up, down, status, create, baseline');
  const migrateOptions = (command: Command) =>
    command
      .option('--service <name...>', 'only these services (default: all)')
      .option('--migrations <dir>', 'migrations folder (default: migrations/ beside the plan)')
      .option(
        '--lock-timeout <seconds>',
        'give up waiting for another migrate after this long',
        parseCount,
        60,
      );
  migrateOptions(
    migrate
      .command('up')
      .description('apply pending migrations')
      .option('--to <version>', 'stop after this version')
      .option('--dry-run', 'print the SQL, run nothing'),
  ).action(run('./commands/migrate.js', { action: 'up' }));
  migrateOptions(
    migrate
      .command('down')
      .description('revert the newest migration, or all after --to')
      .option('--to <version>', 'revert everything after this version (0: all)')
      .option('--dry-run', 'print the SQL, run nothing'),
  ).action(run('./commands/migrate.js', { action: 'down' }));
  migrateOptions(
    migrate
      .command('status')
      .description('applied, pending and edited migrations (exit 4: pending, 5: drift)'),
  ).action(run('./commands/migrate.js', { action: 'status' }));
  migrateOptions(
    migrate
      .command('create')
      .argument('<name>', 'what the migration does, e.g. add_invoice_index')
      .description('create the next numbered migration file'),
  ).action(run('./commands/migrate.js', { action: 'create' }));
  migrateOptions(
    migrate
      .command('baseline')
      .argument('[dir]', 'with --from: the prisma/migrations or supabase/migrations folder')
      .description('record migrations as applied without running them')
      .addOption(new Option('--from <tool>', 'import an existing history').choices(['prisma', 'supabase']))
      .option('--to <version>', 'record up to this version'),
  ).action(run('./commands/migrate.js', { action: 'baseline' }));

  cli
    .command('prisma')
    .description(
      'one Prisma schema, prisma.config.ts and client per service: split a schema.prisma, or read the migrated targets',
    )
    .option(
      '--from <schema.prisma>',
      'the Prisma schema to split (without it: from the services’ migrated schemas)',
    )
    .option('--out <dir>', 'folder to write prisma/<service>/ and src/clients/ under', '.')
    .option('--services <n>', 'without a plan: at most this many proposed services', parseCount)
    .addOption(
      new Option('--layout <layout>', 'target layout (default: the plan’s, else schemas)').choices([
        'schemas',
        'databases',
      ]),
    )
    .option('--force', 'overwrite files written before')
    .action(run('./commands/prisma.js'));

  cli
    .command('copy')
    .description('copy every owned table from the source into its service, in resumable chunks (COPY speed)')
    .option('--service <name...>', 'only these services (default: all)')
    .option('--table <name...>', 'only these tables')
    .option('--resume', 'continue an interrupted copy after its last committed chunk')
    .option('--fresh', 'empty the target tables and start over')
    .option('--create', 'run `migrate up` first')
    .option('--max-rejects <n>', 'rows that may be rejected before the copy counts as failed', parseCount0, 0)
    .option(
      '--chunk-rows <n>',
      'rows per chunk, one transaction and checkpoint each (default: 50,000 from SQLite, about 128 MB of the table from PostgreSQL)',
      parseCount,
    )
    .option('--jobs <n>', 'tables copied at once (default 3)', parseCount)
    .option(
      '--rejects <file>',
      'JSON-lines file of rejected rows (default: copy-rejects.jsonl beside the plan)',
    )
    .option('--migrations <dir>', 'migrations folder, for --create')
    .option(
      '--text',
      'SQLite sources: send COPY text, not binary (slower; for a proxy that rewrites binary COPY)',
    )
    .option(
      '--threads <n>',
      'SQLite sources: worker threads that read and encode rows (default: the cores beyond two)',
      parseCount0,
    )
    .action(run('./commands/copy.js'));

  cli
    .command('verify')
    .description('prove the copy: counts, checksums per key range, and the rows and columns that differ')
    .option('--service <name...>', 'only these services (default: all)')
    .option('--table <name...>', 'only these tables')
    .option('--max-diffs <n>', 'differences listed per table (all are counted)', parseCount, 20)
    .option('--isolation', 'also check that each service holds only its own tables, references and grants')
    .option('--isolation-only', 'only the isolation checks')
    .option('--report <file>', 'also write the report as .html or .md')
    .option('--jobs <n>', 'tables compared at once', parseCount)
    .action(run('./commands/verify.js'));

  const seedOptions = (command: Command) =>
    command
      .option('--service <name...>', 'only these services (default: all)')
      .option('--seeds <dir>', 'seed sets folder (default: seeds/ beside the plan)')
      .option('--migrations <dir>', 'migrations folder (default: migrations/ beside the plan)');
  seedOptions(
    cli
      .command('seed')
      .argument('[sets...]', 'seed sets to run (default: all new or changed); or `status`, or `reset`')
      .description('run named seed sets: seeds/<service>/<set>/*.sql|*.ts; `seed status`; `seed reset --yes`')
      .option('--yes', 'confirm `seed reset`, which empties the services’ tables first'),
  ).action(run('./commands/seed.js', {}, 'args'));
  seedOptions(cli.command('setup').description('migrate up, then seed, for every service')).action(
    run('./commands/seed.js', { action: 'setup' }),
  );

  return cli;
}

const VERSION = '0.1.0';

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new CommanderError(
      EXIT.usage,
      'cleave.invalidArgument',
      `expected a positive whole number, got ${value}`,
    );
  return n;
}

function parseCount0(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CommanderError(EXIT.usage, 'cleave.invalidArgument', `expected a whole number, got ${value}`);
  return n;
}

type CommandModule = {
  default: (options: Record<string, unknown>, global: GlobalOptions, output: Output) => Promise<number>;
};

function run(modulePath: string, fixed: Record<string, unknown> = {}, positionalKey = 'arg') {
  return async function (this: Command, ...args: unknown[]) {
    // commander passes the positional arguments first, then the options object, then the command.
    const positional = args.slice(0, -2).filter((a) => a !== undefined);
    const options = {
      ...(args[args.length - 2] as Record<string, unknown>),
      ...fixed,
      ...(positional.length > 0 ? { [positionalKey]: positional[0] } : {}),
    };
    const global = this.optsWithGlobals() as GlobalOptions;
    const output = new Output(global.json);
    let code: number;
    try {
      const module = (await import(modulePath)) as CommandModule;
      code = await module.default(options, global, output);
    } catch (error) {
      code = output.fail(error);
    } finally {
      const { shutdownEmbedded } = await import('../db/embedded.js');
      await shutdownEmbedded();
    }
    process.exitCode = code;
  };
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    throw error;
  }
}
