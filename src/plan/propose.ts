import type { Catalog, Table } from '../catalog/model.js';
import { fkEdges } from './graph.js';

/**
 * `cleave init`'s first guess at a split, from the foreign-key graph alone. Pure and deterministic: the same
 * catalog always gives the same proposal, so a re-run does not reshuffle a plan someone has started to edit.
 *
 * The steps follow what an engineer does by hand: group tables that share a name prefix (frameworks and teams
 * name by area: `auth_*`, `crm_*`); let hubs (tables referenced from many areas, e.g. users) anchor services of
 * their own instead of gluing everything together; fold lookup and leaf tables into the one table that uses them;
 * join what is still tightly linked by greedy modularity (Clauset-Newman-Moore); finally merge down to the cap.
 */
export interface ProposedService {
  name: string;
  /** Table.id values, sorted. */
  tables: string[];
  /** One sentence: why these tables go together. */
  reason: string;
}

export interface ProposeOptions {
  maxServices?: number;
}

interface Edge {
  from: string;
  to: string;
}

interface Unit {
  key: string;
  tables: string[];
  /** Set when the unit is a group of tables sharing a name prefix (or a non-default schema). */
  group: { prefix: string; label: string } | null;
}

const IDENTITY_WORDS = new Set(
  'user account organization organisation org tenant team workspace member profile'.split(' '),
);

// Service names become schema and role names: keep clear of reserved words and of schemas that already exist.
const RESERVED_NAMES = new Set(
  `
  all analyse analyze and any array as asc both case cast check cleave collate column constraint create
  current_user default desc distinct do else end except false fetch for foreign from grant group having in
  information_schema into limit not null offset on only or order primary public references select
  session_user some table then to true union unique user using when where window with
`
    .trim()
    .split(/\s+/),
);

export function proposeServices(catalog: Catalog, options: ProposeOptions = {}): ProposedService[] {
  const ids = catalog.tables.map((t) => t.id).sort(compare);
  if (ids.length === 0) return [];
  const cap = Math.max(1, Math.floor(options.maxServices ?? Math.min(8, Math.round(Math.sqrt(ids.length)))));
  const byId = new Map(catalog.tables.map((t) => [t.id, t]));
  const edges: Edge[] = fkEdges(catalog).filter((e) => e.from !== e.to);
  const units = nameUnits(catalog.tables);
  const unitOf = new Map(units.flatMap((u) => u.tables.map((t) => [t, u] as const)));
  const sets = new DisjointSets(ids);
  for (const u of units) for (const t of u.tables) sets.union(u.tables[0]!, t);

  // Unit-level neighbourhoods: who references a unit, and what it references.
  const referrers = new Map(units.map((u) => [u.key, new Set<string>()]));
  const parents = new Map(units.map((u) => [u.key, new Set<string>()]));
  for (const e of edges) {
    const from = unitOf.get(e.from)!;
    const to = unitOf.get(e.to)!;
    if (from === to) continue;
    referrers.get(to.key)!.add(from.key);
    parents.get(from.key)!.add(to.key);
  }
  const hubThreshold = Math.max(3, Math.ceil(units.length / 5));
  const hubs = new Set(units.filter((u) => referrers.get(u.key)!.size >= hubThreshold).map((u) => u.key));
  const unitByKey = new Map(units.map((u) => [u.key, u]));
  const first = (key: string): string => unitByKey.get(key)!.tables[0]!;

  for (const u of units) {
    const refs = [...referrers.get(u.key)!];
    const ups = [...parents.get(u.key)!];
    // Only lone tables move here: one foreign key must not merge two prefix groups (two areas of the code).
    if (u.tables.length !== 1) continue;
    // A lookup used by exactly one other unit belongs with it (Genre -> Track, Artist -> Album).
    if (!hubs.has(u.key) && refs.length === 1) sets.union(u.tables[0]!, first(refs[0]!));
    // A table that references one unit and is referenced by none is that unit's leaf (sessions -> users).
    else if (refs.length === 0 && ups.length === 1) sets.union(u.tables[0]!, first(ups[0]!));
  }
  // Users, organizations, accounts... referenced from everywhere: one identity service, not several.
  const identityHubs = [...hubs].filter((k) =>
    unitByKey.get(k)!.tables.some((t) => isIdentityName(byId.get(t)!.name)),
  );
  for (const k of identityHubs) sets.union(first(identityHubs[0]!), first(k));

  const hubTables = [...hubs].map(first);
  const hubRoots = (): Set<string> => new Set(hubTables.map((t) => sets.find(t)));
  // Edges into a hub say little about where a table belongs: every area references users.
  const reduced = edges.filter((e) => !hubs.has(unitOf.get(e.to)!.key) || hubs.has(unitOf.get(e.from)!.key));
  for (;;) {
    const anchored = hubRoots();
    const best = bestMerge(reduced, sets, (a, b) => !(anchored.has(a) && anchored.has(b)));
    if (!best || best.score <= 0) break;
    sets.union(best.a, best.b);
  }

  // A single table linked only to hubs (memberships, reviews) joins the hub it fits best.
  const members = (): Map<string, string[]> => groupBy(ids, (t) => sets.find(t));
  for (const table of ids) {
    const root = sets.find(table);
    if (members().get(root)!.length !== 1 || hubRoots().has(root)) continue;
    if (reduced.some((e) => e.from === table || e.to === table)) continue;
    const best = bestMerge(edges, sets, (a, b) => a === root || b === root);
    if (best) sets.union(best.a, best.b);
  }

  // Tables with no foreign key at all, and no prefix group, wait in one `shared` service for a human decision.
  const linked = new Set(edges.flatMap((e) => [e.from, e.to]));
  const isolated = ids.filter((t) => !linked.has(t) && unitOf.get(t)!.tables.length === 1);
  for (const t of isolated) sets.union(isolated[0]!, t);

  while (members().size > cap) {
    const best = bestMerge(edges, sets, () => true);
    if (best) {
      sets.union(best.a, best.b);
      continue;
    }
    // Nothing links the remaining services: merge the two smallest.
    const [a, b] = [...members().values()].sort((x, y) => x.length - y.length || compare(x[0]!, y[0]!));
    sets.union(a![0]!, b![0]!);
  }

  const isolatedSet = new Set(isolated);
  const referrerSets = groupBy(edges, (e) => e.to);
  const tableReferrers = (id: string): number => new Set(referrerSets.get(id)?.map((e) => e.from)).size;
  const drafts = [...members().values()].map((tables) => {
    if (tables.every((t) => isolatedSet.has(t))) {
      return {
        raw: 'shared',
        tables,
        reason: 'no foreign key links these tables to any other: move each to the service that uses it',
      };
    }
    return describe(tables, unitOf, hubs, byId, tableReferrers);
  });
  const taken = new Set<string>();
  return drafts
    .sort((a, b) => compare(a.tables[0]!, b.tables[0]!))
    .map((d) => ({ name: uniqueName(serviceName(d.raw), taken), tables: d.tables, reason: d.reason }))
    .sort((a, b) => compare(a.name, b.name));
}

/** The anchor names the service: a hub first, then the largest prefix group, then the most referenced table. */
function describe(
  tables: string[],
  unitOf: Map<string, Unit>,
  hubs: Set<string>,
  byId: Map<string, Table>,
  tableReferrers: (id: string) => number,
): { raw: string; tables: string[]; reason: string } {
  const units = [...new Set(tables.map((t) => unitOf.get(t)!))];
  const unitRefs = (u: Unit): number => Math.max(...u.tables.map(tableReferrers));
  const rank = (u: Unit): number[] => [hubs.has(u.key) ? 1 : 0, u.tables.length, unitRefs(u)];
  const unit = units.sort((a, b) => compareDesc(rank(a), rank(b)) || compare(a.key, b.key))[0]!;
  const anchor = [...unit.tables].sort(
    (a, b) => tableReferrers(b) - tableReferrers(a) || a.length - b.length || compare(a, b),
  )[0]!;
  const refs = tableReferrers(anchor);
  const referenced = refs > 0 ? `, referenced by ${refs} table${refs === 1 ? '' : 's'}` : '';
  if (unit.group !== null) {
    const others = tables.length - unit.tables.length;
    const extra = others > 0 ? ` and ${others} table${others === 1 ? '' : 's'} linked to them` : '';
    return {
      raw: unit.group.label,
      tables,
      reason: `built around the \`${unit.group.prefix}*\` tables${extra}`,
    };
  }
  const reason =
    refs > 0
      ? `anchored on \`${anchor}\`${referenced}`
      : `anchored on \`${anchor}\` and the tables it references`;
  return { raw: byId.get(anchor)!.name, tables, reason };
}

/**
 * Groups tables by name prefix: the first word of the name (singular), or the schema outside the default one.
 * A prefix every table shares (`wp_`, `tbl_`) says nothing, so the second word is used instead.
 */
function nameUnits(tables: readonly Table[]): Unit[] {
  const inDefault = tables.filter((t) => t.id === t.name);
  const firsts = new Set(inDefault.map((t) => nameWords(t.name)[0]?.toLowerCase()));
  const skip = inDefault.length > 1 && firsts.size === 1 ? 1 : 0;
  const keyed = new Map<string, { key: string; label: string }>();
  for (const t of tables) {
    if (t.id !== t.name) {
      keyed.set(t.id, { key: `schema:${t.schema}`, label: t.schema });
      continue;
    }
    const words = nameWords(t.name);
    const index = Math.min(skip, Math.max(0, words.length - 1));
    const word = (words[index] ?? t.name).toLowerCase();
    keyed.set(t.id, { key: `name:${singular(word)}`, label: words.slice(0, index + 1).join('_') });
  }
  const groups = groupBy([...keyed.keys()].sort(compare), (id) => keyed.get(id)!.key);
  return [...groups].map(([key, ids]) => {
    if (ids.length === 1) return { key: `table:${ids[0]!}`, tables: ids, group: null };
    // The shortest name labels the group (`invoices` of invoices, invoice_items); the common prefix shows it.
    const shortest = [...ids].sort((a, b) => a.length - b.length || compare(a, b))[0]!;
    return { key, tables: ids, group: { prefix: commonPrefix(ids), label: keyed.get(shortest)!.label } };
  });
}

function commonPrefix(ids: readonly string[]): string {
  let prefix = ids[0] ?? '';
  for (const id of ids) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** `PlaylistTrack` -> [Playlist, Track]; `auth_user` -> [auth, user]; `HTMLPage` -> [HTML, Page]. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}

function singular(word: string): string {
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith('s') && !/(ss|us|is)$/.test(word) && word.length > 3) return word.slice(0, -1);
  return word;
}

function isIdentityName(name: string): boolean {
  return nameWords(name).some((w) => IDENTITY_WORDS.has(singular(w.toLowerCase())));
}

/** snake_case, lower-case, a valid schema name that is not a reserved word. */
function serviceName(raw: string): string {
  let name = nameWords(raw).join('_').toLowerCase();
  if (name === '') name = 'service';
  if (/^[0-9]/.test(name)) name = `s_${name}`;
  if (RESERVED_NAMES.has(name) || name.startsWith('pg_')) name = `${name}_service`;
  return name;
}

function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name}_${n}`;
  taken.add(candidate);
  return candidate;
}

/**
 * The merge of two clusters with the largest modularity gain. With integer FK counts, 2m^2 * deltaQ =
 * 2m * w(a,b) - deg(a) * deg(b) is an integer, so ties are exact and broken by name: no float noise.
 */
function bestMerge(
  edges: readonly Edge[],
  sets: DisjointSets,
  allowed: (a: string, b: string) => boolean,
): { a: string; b: string; score: number } | null {
  const degree = new Map<string, number>();
  const between = new Map<string, number>();
  for (const e of edges) {
    const a = sets.find(e.from);
    const b = sets.find(e.to);
    degree.set(a, (degree.get(a) ?? 0) + 1);
    degree.set(b, (degree.get(b) ?? 0) + 1);
    if (a === b) continue;
    const key = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
    between.set(key, (between.get(key) ?? 0) + 1);
  }
  const m = edges.length;
  let best: { a: string; b: string; score: number; key: string } | null = null;
  for (const [key, w] of between) {
    const [a, b] = key.split('\u0000') as [string, string];
    if (!allowed(a, b)) continue;
    const score = 2 * m * w - degree.get(a)! * degree.get(b)!;
    if (!best || score > best.score || (score === best.score && key < best.key)) best = { a, b, score, key };
  }
  return best;
}

/** Union-find whose representative is always the smallest id, so the result never depends on merge order. */
class DisjointSets {
  private readonly parent = new Map<string, string>();
  constructor(ids: readonly string[]) {
    for (const id of ids) this.parent.set(id, id);
  }
  find(id: string): string {
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(id, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent.set(rb, ra);
    else this.parent.set(ra, rb);
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

function compareDesc(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i]! - a[i]!;
  return 0;
}

/** Code-point order: locale-independent, so every machine sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
