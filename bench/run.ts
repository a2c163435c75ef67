// `npm run bench`: each benchmark measures Cleave and its peer in the same run, on this machine, and prints
// the ratio; each table also replaces its own section of docs/benchmarks.md (the rest of the file is kept).
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startEmbedded } from '../src/db/embedded.js';
import { benchPostgresCopy, benchSqliteCopy, type Measured } from './copy.js';
import { benchMigrations } from './migrations.js';
import { RUNS } from './util.js';
import { benchVerify } from './verify.js';

async function server(): Promise<{ url: string; stop: () => Promise<void>; kind: string }> {
  const given = process.env.CLEAVE_BENCH_PG_URL ?? process.env.CLEAVE_TEST_PG_URL;
  if (given) return { url: given, stop: async () => {}, kind: 'the given server' };
  const home = await mkdtemp(join(tmpdir(), 'cleave-bench-'));
  await chmod(home, 0o755);
  const s = await startEmbedded({ home });
  return { url: s.adminUrl, stop: () => s.stop(), kind: 'embedded PostgreSQL 18' };
}

const pg = await server();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pg.kind}`;
const header = [
  `Machine: ${machine}`,
  '',
  '| benchmark | cleave | peer | ratio cleave/peer |',
  '|---|---|---|---|',
];
const scale = Number(process.env.CLEAVE_BENCH_SCALE ?? 100);
/** Section heading -> table rows: migrations and copy by scale, verify on its own. */
const sections = new Map<string, string[]>();
const copySection = `## ${scale / 100}M rows (seo-content, scale ${scale})`;
const add = (heading: string, line: string) =>
  sections.set(heading, [...(sections.get(heading) ?? []), line]);
// CLEAVE_BENCH_ONLY=verify (or migrations,copy) runs a subset.
const only = new Set((process.env.CLEAVE_BENCH_ONLY ?? 'migrations,copy,verify').split(','));
try {
  if (only.has('migrations')) {
    const count = Number(process.env.CLEAVE_BENCH_MIGRATIONS ?? 500);
    const m = await benchMigrations(pg.url, count);
    const per = (ms: number) => `${(ms / m.migrations).toFixed(2)} ms/migration`;
    add(
      copySection,
      `| apply ${m.migrations} migrations to one service | ${(m.cleaveMs / 1000).toFixed(2)} s (${per(m.cleaveMs)}) | ${m.peerMs === null ? 'psql not installed' : `${(m.peerMs / 1000).toFixed(2)} s (${per(m.peerMs)}), ${m.peer}`} | ${m.peerMs === null ? '-' : (m.cleaveMs / m.peerMs).toFixed(2)} |`,
    );
  }
  if (only.has('copy')) {
    const sqlite = await benchSqliteCopy(pg.url, scale);
    const postgres = await benchPostgresCopy(pg.url, sqlite.postgresSource, sqlite.dir, sqlite.rows);
    const row = (label: string, cleave: Measured, peers: Measured[]) => {
      for (const peer of peers) {
        add(
          copySection,
          `| ${label}, ${cleave.rows.toLocaleString('en-US')} rows | ${describe(cleave)} | ${peer.name}: ${peer.failed ? `failed (${peer.failed})` : describe(peer)} | ${peer.failed ? '-' : (cleave.seconds / peer.seconds).toFixed(2)} |`,
        );
      }
    };
    row('copy SQLite -> PostgreSQL (seo-content)', sqlite.results[0]!, sqlite.results.slice(1));
    row('copy PostgreSQL -> PostgreSQL (seo-content)', postgres[0]!, postgres.slice(1));
  }
  if (only.has('verify')) {
    const rows = Number(process.env.CLEAVE_BENCH_VERIFY_ROWS ?? 1_000_000);
    const big = Number(process.env.CLEAVE_BENCH_VERIFY_BIG_ROWS ?? 5_000_000);
    for (const v of await benchVerify(pg.url, rows, big)) {
      add(
        '## verify',
        `| ${v.label} ${v.rows.toLocaleString('en-US')} rows: ${v.outcome} | ${v.cleaveSeconds.toFixed(2)} s | ${v.peer}: ${v.peerSeconds.toFixed(2)} s | ${(v.cleaveSeconds / v.peerSeconds).toFixed(2)}${v.roundRatios.length > 1 ? ` (rounds: ${v.roundRatios.map((r) => r.toFixed(2)).join(', ')})` : ''} |`,
      );
    }
  }
} finally {
  await pg.stop();
}

function describe(m: Measured): string {
  const spread =
    m.runs.length > 1 ? ` (${Math.min(...m.runs).toFixed(1)}-${Math.max(...m.runs).toFixed(1)})` : '';
  return `${m.seconds.toFixed(2)} s${spread}, ${Math.round(m.rows / m.seconds).toLocaleString('en-US')} rows/s, peak RSS ${m.peakRssMb === null ? '?' : `${Math.round(m.peakRssMb)} MB`}`;
}
const file = new URL('../docs/benchmarks.md', import.meta.url);
let doc = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
for (const [heading, rows] of sections) {
  const table = [...header, ...rows].join('\n');
  console.log(`${heading}\n\n${table}\n`);
  const rounds =
    RUNS <= 1
      ? ''
      : heading === copySection
        ? ` Each copy figure is the median of ${RUNS} rounds (the range in brackets), the contenders taking turns.`
        : heading === '## verify'
          ? ` Each figure is the median of ${RUNS} rounds, verify and its peer taking turns; the ratio is of the medians, each round's own in brackets.`
          : '';
  doc = replaceSection(doc, heading, `Run on ${new Date().toISOString().slice(0, 10)}.${rounds}\n\n${table}`);
}
await writeFile(file, doc);
process.exit(0);

/** The section under `heading` (up to the next `## `) replaced by `body`, or appended. */
function replaceSection(text: string, heading: string, body: string): string {
  const section = `${heading}\n\n${body}\n`;
  const start = text.indexOf(`\n${heading}\n`);
  if (start === -1) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + 1);
  return `${text.slice(0, start + 1)}${section}${next === -1 ? '' : `\n${text.slice(next + 1)}`}`;
}
