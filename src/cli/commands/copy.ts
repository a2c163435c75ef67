import cliProgress from 'cli-progress';
import { runCopy } from '../../app/copy.js';
import type { CopyEvent, TableCopyReport } from '../../copy/run.js';
import { EXIT } from '../exit-codes.js';
import { formatCount, table } from '../format.js';
import type { GlobalOptions } from '../main.js';
import type { Output } from '../output.js';

interface CopyFlags {
  service?: string[];
  table?: string[];
  resume?: boolean;
  fresh?: boolean;
  create?: boolean;
  maxRejects: number;
  chunkRows?: number;
  jobs?: number;
  rejects?: string;
  migrations?: string;
  text?: boolean;
  threads?: number;
}

export default async function copyCommand(
  flags: CopyFlags,
  global: GlobalOptions,
  output: Output,
): Promise<number> {
  const progress = global.json ? jsonLines(output) : process.stderr.isTTY ? bars() : plainLines(output);
  try {
    const result = await runCopy({
      planPath: global.plan,
      services: flags.service,
      tables: flags.table,
      resume: flags.resume === true,
      fresh: flags.fresh === true,
      create: flags.create === true,
      maxRejects: flags.maxRejects,
      chunkRows: flags.chunkRows,
      jobs: flags.jobs,
      rejectsFile: flags.rejects,
      migrationsDir: flags.migrations,
      format: flags.text ? 'text' : undefined,
      threads: flags.threads,
      onEvent: progress.event,
    });
    progress.stop();
    output.addSecrets(result.secrets);
    if (global.json)
      output.out(
        JSON.stringify({
          summary: result.tables,
          rejected: result.rejected,
          repaired: result.repaired,
          rejectsFile: result.rejectsFile,
        }),
      );
    else output.out(summary(result.tables, result.rejectsFile, result.repaired));
    return EXIT.ok;
  } finally {
    progress.stop();
  }
}

function summary(reports: TableCopyReport[], rejectsFile: string | null, repaired: number): string {
  const rows = [['SERVICE', 'TABLE', 'READ', 'WRITTEN', 'REJECTED', 'TIME']];
  for (const r of reports)
    rows.push([
      r.service,
      r.table,
      formatCount(r.read),
      formatCount(r.written),
      formatCount(r.rejected),
      r.skipped ? 'done before' : `${(r.durationMs / 1000).toFixed(1)} s`,
    ]);
  const total = reports.reduce(
    (a, r) => ({ read: a.read + r.read, written: a.written + r.written, rejected: a.rejected + r.rejected }),
    { read: 0, written: 0, rejected: 0 },
  );
  rows.push([
    '',
    'total',
    formatCount(total.read),
    formatCount(total.written),
    formatCount(total.rejected),
    '',
  ]);
  const listed =
    repaired > 0 ? `rejected rows and ${formatCount(repaired)} repaired value(s)` : 'rejected rows';
  return `${table(rows, new Set([2, 3, 4]))}${rejectsFile ? `\n${listed}: ${rejectsFile}` : ''}`;
}

interface Progress {
  event: (e: CopyEvent) => void;
  stop: () => void;
}

function jsonLines(output: Output): Progress {
  return { event: (e) => output.out(JSON.stringify(e)), stop: () => {} };
}

function plainLines(output: Output): Progress {
  return {
    event: (e) => {
      if (e.kind === 'table-done')
        output.err(
          `${e.report.service}: ${e.report.table} ${e.report.skipped ? 'already copied' : `copied: ${formatCount(e.report.written)} rows written, ${formatCount(e.report.rejected)} rejected`}`,
        );
    },
    stop: () => {},
  };
}

/** One bar per table being copied: rows, rows/s and ETA from the table's estimated size. */
function bars(): Progress {
  const multi = new cliProgress.MultiBar(
    {
      format: '{table} |{bar}| {value}/{total} rows | {speed} rows/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const active = new Map<string, { bar: cliProgress.SingleBar; started: number; done: number }>();
  let stopped = false;
  return {
    event: (e) => {
      if (e.kind === 'table-start') {
        const bar = multi.create(Math.max(e.estimatedRows ?? 0, e.alreadyRead, 1), e.alreadyRead, {
          table: `${e.service}.${e.table}`.padEnd(28),
          speed: 0,
        });
        active.set(`${e.service}.${e.table}`, { bar, started: Date.now(), done: e.alreadyRead });
      } else if (e.kind === 'chunk') {
        const a = active.get(`${e.service}.${e.table}`);
        if (!a) return;
        a.done += e.read;
        if (a.done > a.bar.getTotal()) a.bar.setTotal(a.done);
        a.bar.update(a.done, {
          speed: Math.round(a.done / Math.max(0.001, (Date.now() - a.started) / 1000)),
        });
      } else {
        const a = active.get(`${e.report.service}.${e.report.table}`);
        if (a) a.bar.update(a.bar.getTotal(), {});
      }
    },
    stop: () => {
      if (!stopped) multi.stop();
      stopped = true;
    },
  };
}
