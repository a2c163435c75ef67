#!/usr/bin/env node
// Builds Cleave's SQLite extension (native/cleave_hash.c) into native/build/, at install time. The extension
// makes a verify of a SQLite source hash its rows inside SQLite; without it (no C compiler here, a failed
// build, `npm ci --ignore-scripts`) every row is hashed in JavaScript, with the same results, more slowly.
// A failed build is reported and never fails the install. CLEAVE_NATIVE_BUILD=0 skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'cleave_hash.c');
const suffix = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
const out = join(root, 'native', 'build', `cleave_hash.${suffix}`);

function note(message) {
  console.log(`cleave: ${message}`);
}

function main() {
  if (process.env.CLEAVE_NATIVE_BUILD === '0') return note('native hash not built (CLEAVE_NATIVE_BUILD=0)');
  if (!existsSync(source)) return;
  let headers;
  try {
    headers = join(
      dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
      'deps',
      'sqlite3',
    );
  } catch {
    return note('native hash not built: better-sqlite3 is not installed');
  }
  if (!existsSync(join(headers, 'sqlite3ext.h')))
    return note(`native hash not built: no sqlite3ext.h in ${headers}`);
  const cc = process.env.CC || 'cc';
  mkdirSync(dirname(out), { recursive: true });
  const partial = `${out}.${process.pid}.tmp`;
  const flags = process.platform === 'darwin' ? ['-dynamiclib', '-undefined', 'dynamic_lookup'] : ['-shared'];
  const run = spawnSync(cc, ['-O2', '-fPIC', ...flags, '-I', headers, '-o', partial, source, '-lm'], {
    encoding: 'utf8',
  });
  if (run.error || run.status !== 0) {
    rmSync(partial, { force: true });
    // An extension built from an older source is not kept beside a source it was not built from.
    rmSync(out, { force: true });
    const why = run.error ? run.error.message : (run.stderr || '').trim().split('\n').slice(0, 5).join('\n');
    return note(
      `native hash not built (${cc}): ${why}\ncleave: verify will hash SQLite rows in JavaScript (same results, slower)`,
    );
  }
  renameSync(partial, out);
}

main();
