/**
 * The typed row hash computed inside SQLite by Cleave's loadable extension (native/cleave_hash.c), built when
 * the package is installed (scripts/build-native.mjs). It hashes the values whose canonical form is simple
 * to write (docs/verify.md lists them) to the same result as typed-hash.ts, without creating one JavaScript
 * value per column: a range of rows becomes one aggregate query. Any row it does not handle is counted apart and hashed in JavaScript by the full rules, so
 * the extension can only make a verify faster, never change its result. Without a C compiler at install time,
 * or with CLEAVE_NATIVE_HASH=0, every row is hashed in JavaScript.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import { fastHasher } from './typed-hash.js';

/** The built extension (the same path from src/verify and dist/verify), whatever the platform's suffix. */
function extensionFile(): string | null {
  for (const suffix of ['so', 'dylib', 'dll']) {
    const path = fileURLToPath(new URL(`../../native/build/cleave_hash.${suffix}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  return null;
}

let file: string | null | undefined;
const loaded = new WeakMap<BetterSqlite3.Database, boolean>();

/** Whether the extension is (now) loaded into this handle; false when it is not built, disabled or refused. */
export function loadNativeHash(db: BetterSqlite3.Database): boolean {
  const known = loaded.get(db);
  if (known !== undefined) return known;
  if (file === undefined) file = extensionFile();
  let ok = false;
  if (file !== null && process.env.CLEAVE_NATIVE_HASH !== '0') {
    try {
      // The entry point SQLite derives from the file name: sqlite3_cleavehash_init.
      db.loadExtension(file);
      ok = true;
    } catch {
      // A build for another platform, or a SQLite without extension loading: the JavaScript path.
      ok = false;
    }
  }
  loaded.set(db, ok);
  return ok;
}

/** A column as the scan job describes it. */
interface NativeColumn {
  type: string;
  kind: string | null;
  hasRules: boolean;
}

/**
 * The extension's column spec (see native/cleave_hash.c) when every column has a token: each is hashed by value
 * (no record-text field), of a type the extension writes, with no value rules. Otherwise null.
 */
export function nativeSpec(columns: readonly NativeColumn[]): string | null {
  const tokens: string[] = [];
  for (const c of columns) {
    if (c.kind === null || c.hasRules) return null;
    const token = tokenOf(c.kind, c.type.toLowerCase());
    if (token === null) return null;
    tokens.push(token);
  }
  return tokens.length > 0 ? tokens.join(' ') : null;
}

const INTEGER_TOKENS: Record<string, string> = { smallint: 's', integer: 'i', bigint: 'b' };

function tokenOf(kind: string, type: string): string | null {
  switch (kind) {
    case 'int':
      return INTEGER_TOKENS[type] ?? null;
    case 'float':
      return type === 'real' ? 'r' : type === 'double precision' ? 'f' : null;
    case 'timestamp':
      return 't';
    case 'date':
      return 'd';
    case 'bool':
      return 'o';
    case 'uuid':
      return 'u';
    case 'text': {
      // text: any well-formed UTF-8 (the JavaScript text rule keeps it as it is); varchar: ASCII, as the fast
      // path (the copy's length check counts characters).
      if (type === 'text') return 'x';
      const n = /^character varying\((\d+)\)$/.exec(type);
      return n ? `a${n[1]}` : type === 'character varying' ? 'a' : null;
    }
    case 'output': {
      if (type === 'json' || type === 'jsonb') return 'j';
      // Blobs only (a text in a bytea column is left to the copy's rules).
      if (type === 'bytea') return 'y';
      // The same numerics as the JavaScript fast path (which is checked to exist for this type).
      const n = /^numeric\(\d+,\s*(\d+)\)$/.exec(type);
      return n && Number(n[1]) <= 15 && fastHasher('output', type) !== undefined ? `n${n[1]}` : null;
    }
    default:
      return null;
  }
}

/** What the aggregate returns for a range: rows it did not hash, then per bucket the count and the sum. */
export interface NativeSums {
  fallback: number;
  buckets: { bucket: number; count: number; sum: bigint }[];
}

/** Parses cleave_typed_sum's text (`fallback <n>`, then `<bucket> <count> <sum>` lines). */
export function parseNativeSums(text: string): NativeSums {
  const lines = text.split('\n');
  const head = /^fallback (\d+)$/.exec(lines[0] ?? '');
  if (!head) throw new Error(`cleave_typed_sum returned ${JSON.stringify(text.slice(0, 80))}`);
  const buckets: NativeSums['buckets'] = [];
  for (let i = 1; i < lines.length; i++) {
    const [bucket, count, sum] = lines[i]!.split(' ');
    buckets.push({ bucket: Number(bucket), count: Number(count), sum: BigInt(sum!) });
  }
  return { fallback: Number(head[1]), buckets };
}
