import type { Table } from '../catalog/model.js';
import { fkCycles } from '../plan/graph.js';

export interface LoadOrder {
  /** Tables in waves: every table's parents (inside the set) are in an earlier wave. */
  waves: string[][];
  /** Foreign keys that make the order impossible (self-references and cycles): dropped during the copy. */
  cyclic: { table: string; constraint: string }[];
}

/** Pure: the order in which target tables can be filled without breaking their foreign keys. */
export function loadOrder(tables: readonly Table[]): LoadOrder {
  const names = new Set(tables.map((t) => t.name));
  const edges = tables.flatMap((t) =>
    t.foreignKeys
      .filter((fk) => names.has(fk.references.name) && fk.references.schema === t.schema)
      .map((fk) => ({
        from: t.name,
        to: fk.references.name,
        constraint: fk.name ?? '',
        columns: fk.columns,
        toColumns: fk.references.columns,
        onDelete: fk.onDelete,
        nullable: true,
      })),
  );
  const inCycle = new Set(fkCycles([...names], edges).flat());
  const cyclic = edges
    .filter((e) => e.from === e.to || (inCycle.has(e.from) && inCycle.has(e.to)))
    .map((e) => ({ table: e.from, constraint: e.constraint }));
  const cyclicSet = new Set(cyclic.map((c) => `${c.table}\u0000${c.constraint}`));
  const parents = new Map<string, Set<string>>([...names].map((n) => [n, new Set<string>()]));
  for (const e of edges) if (!cyclicSet.has(`${e.from}\u0000${e.constraint}`)) parents.get(e.from)!.add(e.to);
  const waves: string[][] = [];
  const placed = new Set<string>();
  while (placed.size < names.size) {
    const wave = [...names]
      .filter((n) => !placed.has(n) && [...parents.get(n)!].every((p) => placed.has(p)))
      .sort();
    if (wave.length === 0) throw new Error('foreign keys left a cycle after removing cyclic constraints');
    for (const n of wave) placed.add(n);
    waves.push(wave);
  }
  return { waves, cyclic };
}
