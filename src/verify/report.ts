import type { RowDiff, TableResult } from './compare.js';
import type { IsolationFinding } from './isolation.js';

export interface VerifyReport {
  ok: boolean;
  tables: TableResult[];
  isolation: IsolationFinding[] | null;
  at: string;
}

const keyText = (d: RowDiff) =>
  Object.entries(d.key)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : v}`)
    .join(', ');

/** One line per listed difference, as the terminal and the reports show it. */
export function describeDiff(d: RowDiff): string {
  if (d.kind === 'missing')
    return `missing in target: ${keyText(d)}${d.rejected ? ` (the copy rejects it: ${d.rejected})` : ''}`;
  if (d.kind === 'extra') return `extra in target: ${keyText(d)}`;
  if (d.rejected) return `changed: ${keyText(d)} (the copy rejects the source row: ${d.rejected})`;
  const cols = (d.columns ?? []).map((c) => `${c.column}: ${show(c.source)} -> ${show(c.target)}`).join('; ');
  return `changed: ${keyText(d)}: ${cols}`;
}

const show = (v: string | null) => (v === null ? 'NULL' : JSON.stringify(v));

export function markdownReport(r: VerifyReport): string {
  const lines = [
    `# cleave verify: ${r.ok ? 'everything matches' : 'differences found'}`,
    '',
    `Run at ${r.at}.`,
    '',
  ];
  if (r.tables.length > 0) {
    lines.push(
      '| service | table | target | source rows | target rows | missing | extra | changed | status |',
      '|---|---|---|---:|---:|---:|---:|---:|---|',
    );
    for (const t of r.tables)
      lines.push(
        `| ${t.service} | ${t.table} | ${t.target} | ${t.sourceRows} | ${t.targetRows} | ${t.missing} | ${t.extra} | ${t.changed} | ${t.status} |`,
      );
    for (const t of r.tables.filter(
      (x) => x.diffs.length > 0 || x.notCompared.length > 0 || x.missingColumns.length > 0,
    )) {
      lines.push('', `## ${t.service}: ${t.table}`, '');
      for (const c of t.missingColumns) lines.push(`- column ${md(c)} is not in the target table`);
      for (const d of t.diffs) lines.push(`- ${md(describeDiff(d))}`);
      if (t.truncated) lines.push('- … more differences (raise --max-diffs to list them)');
      for (const n of t.notCompared) lines.push(`- not compared: ${n.column} (${md(n.reason)})`);
    }
  }
  if (r.isolation) {
    lines.push('', '## Isolation', '');
    if (r.isolation.length === 0)
      lines.push('Every service holds only its own tables, references and grants.');
    for (const f of r.isolation) lines.push(`- ${f.kind}: ${md(f.message)}`);
  }
  return `${lines.join('\n')}\n`;
}

const md = (s: string) => s.replace(/[|<>]/g, (c) => `\\${c}`);
const html = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function htmlReport(r: VerifyReport): string {
  const rows = r.tables
    .map(
      (t) =>
        `<tr class="${t.status}"><td>${html(t.service)}</td><td>${html(t.table)}</td><td>${html(t.target)}</td><td>${t.sourceRows}</td><td>${t.targetRows}</td><td>${t.missing}</td><td>${t.extra}</td><td>${t.changed}</td><td>${t.status}</td></tr>`,
    )
    .join('\n');
  const details = r.tables
    .filter((t) => t.diffs.length > 0 || t.notCompared.length > 0 || t.missingColumns.length > 0)
    .map(
      (t) =>
        `<h2>${html(t.service)}: ${html(t.table)}</h2><ul>${t.missingColumns.map((c) => `<li>column ${html(c)} is not in the target table</li>`).join('')}${t.diffs.map((d) => `<li>${html(describeDiff(d))}</li>`).join('')}${t.truncated ? '<li>… more differences (raise --max-diffs to list them)</li>' : ''}${t.notCompared.map((n) => `<li>not compared: ${html(n.column)} (${html(n.reason)})</li>`).join('')}</ul>`,
    )
    .join('\n');
  const isolation = r.isolation
    ? `<h2>Isolation</h2><ul>${r.isolation.length === 0 ? '<li>Every service holds only its own tables, references and grants.</li>' : r.isolation.map((f) => `<li>${html(f.kind)}: ${html(f.message)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cleave verify</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}tr.differ{background:#fde8e8}tr.match{background:#eafbea}</style>
</head><body>
<h1>cleave verify: ${r.ok ? 'everything matches' : 'differences found'}</h1>
<p>Run at ${html(r.at)}.</p>
<table><thead><tr><th>service</th><th>table</th><th>target</th><th>source rows</th><th>target rows</th><th>missing</th><th>extra</th><th>changed</th><th>status</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${details}
${isolation}
</body></html>
`;
}
