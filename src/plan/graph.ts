import type { Catalog } from '../catalog/model.js';

export interface FkEdge {
  from: string;
  to: string;
  columns: string[];
  toColumns: string[];
  constraint: string | null;
  onDelete: string;
  nullable: boolean;
}

/** FK edges between tables of the catalog (references to tables outside it, e.g. auth.users, are left out). */
export function fkEdges(catalog: Catalog): FkEdge[] {
  const ids = new Map(catalog.tables.map((t) => [`${t.schema}.${t.name}`, t.id]));
  const edges: FkEdge[] = [];
  for (const table of catalog.tables) {
    for (const fk of table.foreignKeys) {
      const to = ids.get(`${fk.references.schema}.${fk.references.name}`);
      if (to === undefined) continue;
      edges.push({
        from: table.id,
        to,
        columns: fk.columns,
        toColumns: fk.references.columns,
        constraint: fk.name,
        onDelete: fk.onDelete,
        nullable: fk.columns.some((c) => table.columns.find((col) => col.name === c)?.nullable ?? true),
      });
    }
  }
  return edges;
}

/**
 * Strongly connected components with more than one table (Tarjan): FK cycles, which force a copy to defer
 * constraints or load in two passes. Self-references are reported separately by `selfReferences`.
 */
export function fkCycles(nodes: readonly string[], edges: readonly FkEdge[]): string[][] {
  const adjacency = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) if (e.from !== e.to) adjacency.get(e.from)?.push(e.to);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];

  // Iterative, so a schema with thousands of tables cannot overflow the call stack.
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = adjacency.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const to = targets[frame.next++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1) out.push(component.sort());
      }
    }
  }
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

export function selfReferences(edges: readonly FkEdge[]): FkEdge[] {
  return edges.filter((e) => e.from === e.to);
}
