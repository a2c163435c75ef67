import {
  type Attribute,
  type AttributeArgument,
  type BlockAttribute,
  type Comment,
  type Datasource,
  type Enum,
  type Field,
  type Generator,
  getSchema,
  type Model,
  printSchema,
  type Schema,
  type Value,
  type View,
} from '@mrleebo/prisma-ast';
import { CleaveError, messageOf } from '../../core/errors.js';
import { blockAttribute, keyValue, lowerFirst } from './ast.js';
import { type PrismaOutputOptions, prismaHeader, targetSchema } from './files.js';

/**
 * Splits one schema.prisma into one schema per service. Models keep every attribute, comment and native type;
 * only relations that would cross a service boundary change, because no foreign key can span two databases:
 * - the side holding the foreign key keeps its scalar column(s) and loses the relation field;
 * - the other side (the list or back-relation) loses its field;
 * - an implicit many-to-many keeps its join table as an explicit model in one of the two services, so its
 *   rows are not dropped by the next migration.
 */
export interface CrossServiceRelation {
  from: string;
  field: string;
  to: string;
  fromService: string;
  toService: string;
  kind: 'foreign-key' | 'many-to-many';
}

export interface PrismaSplit {
  /** Service name -> its schema.prisma text. */
  services: Record<string, string>;
  /** Models the assignment left out, by name. */
  unassigned: string[];
  crossServiceRelations: CrossServiceRelation[];
}

export type ModelAssignment = (model: { name: string; table: string }) => string | undefined;

type PrismaObject = Model | View;
type Property = PrismaObject['properties'][number];

/** What the split (and a catalog built from the schema) needs to know about one model. */
export interface PrismaModelInfo {
  name: string;
  kind: 'model' | 'view';
  /** `@@map` value, else the model name. */
  table: string;
  /** `@@schema` value, when the source schema uses several. */
  schema: string | null;
  columns: { field: string; column: string; type: string; optional: boolean; list: boolean }[];
  /** Column names of `@id` / `@@id`. */
  primaryKey: string[];
  /** Relations whose foreign key this model holds. */
  relations: { field: string; to: string; fields: string[]; references: string[] }[];
  /** Implicit many-to-many relations: list fields on both sides, a hidden join table. */
  manyToMany: { field: string; to: string }[];
}

// Preview features Prisma 7.10 still knows; others (metrics, driverAdapters, multiSchema...) are GA or gone,
// and an unknown one fails validation.
const PREVIEW_FEATURES = new Set([
  'fullTextSearchPostgres',
  'nativeDistinct',
  'partialIndexes',
  'postgresqlExtensions',
  'relationJoins',
  'schemaEngineDriverAdapters',
  'shardKeys',
  'strictUndefinedChecks',
  'typedSql',
  'views',
]);
// Datasource settings that describe the schema, not the connection; url, directUrl... live in prisma.config.ts.
const DATASOURCE_KEYS = new Set(['relationMode', 'extensions']);

export function splitPrismaSchema(
  text: string,
  assign: ModelAssignment,
  outputFor: (service: string) => PrismaOutputOptions,
): PrismaSplit {
  const schema = parsePrismaSchema(text);
  const objects = schema.list.filter(isObject);
  const byName = new Map(objects.map((o) => [o.name, o]));
  const enums = new Map(schema.list.filter((b): b is Enum => b.type === 'enum').map((e) => [e.name, e]));
  const leading = leadingComments(schema);

  const serviceOf = new Map<string, string>();
  const unassigned: string[] = [];
  for (const o of objects) {
    const service = assign({ name: o.name, table: tableName(o) });
    if (service === undefined) unassigned.push(o.name);
    else serviceOf.set(o.name, service);
  }

  const cross: CrossServiceRelation[] = [];
  const rewritten = new Map<string, PrismaObject>();
  const joinModels: RewriteContext['joinModels'] = new Map();
  const taken = new Set(objects.map((o) => o.name));
  for (const o of objects) {
    const service = serviceOf.get(o.name);
    if (service === undefined) continue;
    rewritten.set(o.name, rewriteObject(o, service, { byName, serviceOf, cross, joinModels, taken }));
  }

  const header = headerExtras(schema);
  const services: Record<string, string> = {};
  const names = [...new Set(serviceOf.values())].sort(compare);
  for (const service of names) {
    const options = outputFor(service);
    const pgSchema = targetSchema(options);
    const own = objects.filter((o) => serviceOf.get(o.name) === service).map((o) => rewritten.get(o.name)!);
    for (const join of joinModels.get(service) ?? []) {
      own.push(join.model);
      leading.set(join.model, [join.doc]);
    }
    const used = new Set(own.flatMap((o) => fieldsOf(o).map((f) => f.fieldType)));
    const chunks = [prismaHeader(options, header)];
    for (const o of own) chunks.push(printBlock(withSchema(o, pgSchema), leading.get(o) ?? []));
    for (const [name, e] of enums)
      if (used.has(name)) chunks.push(printBlock(withSchema(e, pgSchema), leading.get(e) ?? []));
    services[service] = chunks.join('\n');
  }
  return { services, unassigned, crossServiceRelations: cross };
}

interface RewriteContext {
  byName: Map<string, PrismaObject>;
  serviceOf: Map<string, string>;
  cross: CrossServiceRelation[];
  joinModels: Map<string, { model: PrismaObject; doc: Comment }[]>;
  taken: Set<string>;
}

function rewriteObject(source: PrismaObject, service: string, ctx: RewriteContext): PrismaObject {
  const o = structuredClone(source);
  const props = o.properties;
  const removed = new Set<Property>();
  const insertBefore = new Map<string, Comment[]>();
  for (const [index, p] of props.entries()) {
    if (p.type !== 'field' || typeof p.fieldType !== 'string') continue;
    const target = ctx.byName.get(p.fieldType);
    if (!target || target === source) continue;
    const targetService = ctx.serviceOf.get(target.name);
    if (targetService === service) continue;
    const where = targetService === undefined ? ', which no service owns' : ` in service ${targetService}`;
    const fk = relationFields(p);
    if (fk.length > 0) {
      // The scalar(s) stay as they are; the relation's own comments move onto the first of them.
      const moved = takeLeadingComments(props, index, removed);
      if (p.comment) moved.push(comment(p.comment));
      moved.push(comment(`/// was a relation to ${target.name}${where}: check it in the application`));
      insertBefore.set(fk[0]!, [...(insertBefore.get(fk[0]!) ?? []), ...moved]);
      removed.add(p);
      if (targetService !== undefined)
        ctx.cross.push({
          from: source.name,
          field: p.name,
          to: target.name,
          fromService: service,
          toService: targetService,
          kind: 'foreign-key',
        });
      continue;
    }
    const opposite = oppositeField(source, p, target);
    if (p.array && opposite?.array) {
      const join = joinModel(source, p, target, opposite, service, targetService, ctx);
      if (join) {
        // This side owns the join table: the list now holds its rows.
        p.fieldType = join.name;
        p.attributes = (p.attributes ?? []).filter((a) => !(a.name === 'relation' && !a.group));
        const note = `/// was a many-to-many relation to ${target.name}${where}: rows of its join table`;
        insertBefore.set(p.name, [...(insertBefore.get(p.name) ?? []), comment(note)]);
        continue;
      }
    }
    takeLeadingComments(props, index, removed);
    removed.add(p);
  }
  const out: Property[] = [];
  for (const p of props) {
    if (removed.has(p)) continue;
    if (p.type === 'field') out.push(...(insertBefore.get(p.name) ?? []));
    out.push(p);
  }
  o.properties = out;
  return o;
}

/**
 * A cross-service implicit many-to-many: Prisma's hidden table `_AToB` (A = the model whose name sorts first)
 * becomes a model in A's service (B's when A is in none), with Prisma's own key and index names, so the table
 * and its rows stay; the column of the other side keeps ids with no foreign key.
 * Returns the join model on the side that owns it, null on the other side.
 */
function joinModel(
  source: PrismaObject,
  field: Field,
  target: PrismaObject,
  opposite: Field,
  service: string,
  targetService: string | undefined,
  ctx: RewriteContext,
): PrismaObject | null {
  const sourceIsA = compare(source.name, target.name) < 0;
  const [a, b] = sourceIsA ? [source, target] : [target, source];
  if (sourceIsA && targetService !== undefined)
    ctx.cross.push({
      from: a.name,
      field: field.name,
      to: b.name,
      fromService: service,
      toService: targetService,
      kind: 'many-to-many',
    });
  if (!sourceIsA && targetService !== undefined) return null;
  const aId = idField(a);
  const bId = idField(b);
  if (!aId || !bId) return null;
  const table = `_${relationName(field) ?? relationName(opposite) ?? `${a.name}To${b.name}`}`;
  let name = table.replace(/^_+/, '');
  while (ctx.taken.has(name)) name = `${name}_`;
  ctx.taken.add(name);
  const [own, other] = sourceIsA ? ['A', 'B'] : ['B', 'A'];
  const where = targetService === undefined ? ', which no service owns' : ` in service ${targetService}`;
  const columns = [idColumn('A', aId), idColumn('B', bId)];
  const note = comment(`/// was a relation to ${target.name}${where}: check it in the application`);
  const model: Model = {
    type: 'model',
    name,
    properties: [
      ...columns.flatMap((c) => (c.name === other ? [note, c] : [c])),
      {
        type: 'field',
        name: lowerFirst(source.name),
        fieldType: source.name,
        array: false,
        optional: false,
        attributes: [
          attribute('relation', [
            keyValue('fields', { type: 'array', args: [own] }),
            keyValue('references', { type: 'array', args: [(sourceIsA ? aId : bId).name] }),
            keyValue('onDelete', 'Cascade'),
            keyValue('onUpdate', 'Cascade'),
          ]),
        ],
      },
      { type: 'break' },
      blockAttribute('id', [{ type: 'array', args: ['A', 'B'] }, keyValue('map', `"${table}_AB_pkey"`)]),
      blockAttribute('index', [{ type: 'array', args: ['B'] }, keyValue('map', `"${table}_B_index"`)]),
      blockAttribute('map', [JSON.stringify(table)]),
    ],
  };
  const doc = comment(
    `/// Prisma's implicit join table of ${a.name}.${(sourceIsA ? field : opposite).name}, kept as a model: ${target.name} is${where}`,
  );
  ctx.joinModels.set(service, [...(ctx.joinModels.get(service) ?? []), { model, doc }]);
  return model;
}

function idColumn(name: string, id: Field): Field {
  return {
    type: 'field',
    name,
    fieldType: id.fieldType,
    array: false,
    optional: false,
    attributes: (id.attributes ?? []).filter((a) => a.group === 'db'),
  };
}

function idField(o: PrismaObject): Field | undefined {
  return fieldsOf(o).find((f) => f.attributes?.some((a) => a.name === 'id' && !a.group));
}

/** Reads the schema into prisma-ast's tree; `/* ... *\/` comments become `///` lines first (see below). */
export function parsePrismaSchema(text: string): Schema {
  try {
    return getSchema(blockCommentsToDocComments(text));
  } catch (cause) {
    const line = (cause as { token?: { startLine?: number } }).token?.startLine;
    throw new CleaveError(
      'UNSUPPORTED',
      `cannot read the Prisma schema${line ? ` at line ${line}` : ''}: ${messageOf(cause)}`,
      { hint: 'check it with `npx prisma validate --schema FILE`, then run again', cause },
    );
  }
}

/** The models (and views) of a schema, with their tables, keys and relations. */
export function prismaModels(text: string | Schema): PrismaModelInfo[] {
  const schema = typeof text === 'string' ? parsePrismaSchema(text) : text;
  const objects = schema.list.filter(isObject);
  const byName = new Map(objects.map((o) => [o.name, o]));
  return objects.map((o) => {
    const fields = fieldsOf(o);
    const columnOf = new Map(fields.map((f) => [f.name, stringArg(attr(f.attributes, 'map')) ?? f.name]));
    const scalars = fields.filter((f) => typeof f.fieldType !== 'string' || !byName.has(f.fieldType));
    const idAttr = blockAttributes(o).find((a) => a.name === 'id');
    const primaryKey = idAttr
      ? arrayArg(idAttr.args).map((f) => columnOf.get(f) ?? f)
      : scalars.filter((f) => attr(f.attributes, 'id')).map((f) => columnOf.get(f.name)!);
    const relations: PrismaModelInfo['relations'] = [];
    const manyToMany: PrismaModelInfo['manyToMany'] = [];
    for (const f of fields) {
      if (typeof f.fieldType !== 'string') continue;
      const target = byName.get(f.fieldType);
      if (!target) continue;
      const fk = relationFields(f);
      if (fk.length > 0) {
        const rel = attr(f.attributes, 'relation');
        relations.push({
          field: f.name,
          to: target.name,
          fields: fk.map((n) => columnOf.get(n) ?? n),
          references: keyArg(rel, 'references'),
        });
      } else if (f.array && oppositeField(o, f, target)?.array)
        manyToMany.push({ field: f.name, to: target.name });
    }
    return {
      name: o.name,
      kind: o.type,
      table: tableName(o),
      schema: stringArg(blockAttributes(o).find((a) => a.name === 'schema')) ?? null,
      columns: scalars.map((f) => ({
        field: f.name,
        column: columnOf.get(f.name)!,
        type: typeof f.fieldType === 'string' ? f.fieldType : f.fieldType.name,
        optional: f.optional === true,
        list: f.array === true,
      })),
      primaryKey,
      relations,
      manyToMany,
    };
  });
}

/**
 * prisma-ast 0.15 cannot lex block comments, which Prisma accepts and attaches to the next node like `///`
 * (prisma-engines#5083). They are rewritten as `///` lines; strings and `//` comments are left alone.
 */
export function blockCommentsToDocComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const j = end < 0 ? text.length : end;
      out += text.slice(i, j);
      i = j;
      continue;
    }
    if (c !== '/' || text[i + 1] !== '*') {
      out += c;
      i++;
      continue;
    }
    const close = text.indexOf('*/', i + 2);
    const bodyEnd = close < 0 ? text.length : close;
    const lines = text
      .slice(i + 2, bodyEnd)
      .replace(/^\*+/, '')
      .split('\n')
      .map((l) => l.replace(/^\s*\*? ?/, '').trimEnd());
    while (lines[0] === '') lines.shift();
    while (lines.at(-1) === '') lines.pop();
    i = close < 0 ? text.length : close + 2;
    const lineEnd = text.indexOf('\n', i);
    const rest = text.slice(i, lineEnd < 0 ? text.length : lineEnd);
    const before = out.slice(out.lastIndexOf('\n') + 1);
    if (/^\s*$/.test(before)) {
      out += lines.map((l, k) => `${k === 0 ? '' : before}/// ${l}`.trimEnd()).join('\n');
      if (lines.length > 0 && /\S/.test(rest)) {
        out += `\n${before}`;
        while (text[i] === ' ' || text[i] === '\t') i++;
      }
    } else if (!/\S/.test(rest) && lines.length > 0) out += `// ${lines.join(' ')}`;
    else out += ' ';
  }
  return out;
}

function headerExtras(schema: Schema): { previewFeatures: string[]; datasource: [string, string][] } {
  const generator = schema.list.find((b): b is Generator => b.type === 'generator');
  const previewFeatures: string[] = [];
  for (const a of generator?.assignments ?? []) {
    if (a.type !== 'assignment' || a.key !== 'previewFeatures') continue;
    const values = a.value && typeof a.value === 'object' && 'args' in a.value ? a.value.args : [];
    for (const v of values) {
      const feature = typeof v === 'string' ? v.replace(/^"|"$/g, '') : '';
      if (PREVIEW_FEATURES.has(feature)) previewFeatures.push(feature);
    }
  }
  if (schema.list.some((b) => b.type === 'view') && !previewFeatures.includes('views'))
    previewFeatures.push('views');
  const source = schema.list.find((b): b is Datasource => b.type === 'datasource');
  const kept = (source?.assignments ?? []).filter(
    (a) => a.type === 'assignment' && DATASOURCE_KEYS.has(a.key),
  );
  const datasource: [string, string][] = [];
  if (kept.length > 0) {
    // prisma-ast prints values; take them from a datasource printed with just these settings.
    const printed = printSchema({
      type: 'schema',
      list: [{ type: 'datasource', name: 'db', assignments: kept }],
    });
    for (const m of printed.matchAll(/^\s*(\w+)\s*=\s*(.+)$/gm)) datasource.push([m[1]!, m[2]!.trim()]);
  }
  return { previewFeatures, datasource };
}

/** Comments directly above a block (no blank line between) travel with it. */
function leadingComments(schema: Schema): Map<object, Comment[]> {
  const out = new Map<object, Comment[]>();
  let pending: Comment[] = [];
  for (const b of schema.list) {
    if (b.type === 'comment') pending.push(b);
    else {
      if (b.type !== 'break') out.set(b, pending);
      pending = [];
    }
  }
  return out;
}

function printBlock(block: PrismaObject | Enum, comments: readonly Comment[]): string {
  const body = printSchema({ type: 'schema', list: [block] }).trim();
  return `${[...comments.map((c) => c.text), body].join('\n')}\n`;
}

/** The block with its `@@schema` set to the service's schema (layout=schemas) or removed (databases). */
function withSchema<T extends PrismaObject | Enum>(block: T, schema: string | null): T {
  const copy = structuredClone(block);
  const isSchemaAttr = (p: { type: string; kind?: string; name?: string; group?: string }) =>
    p.type === 'attribute' && p.kind === 'object' && p.name === 'schema' && !p.group;
  const extra = schema === null ? [] : [blockAttribute('schema', [JSON.stringify(schema)])];
  if (copy.type === 'enum')
    copy.enumerators = [...copy.enumerators.filter((p) => !isSchemaAttr(p)), ...extra];
  else copy.properties = [...copy.properties.filter((p) => !isSchemaAttr(p)), ...extra];
  return copy;
}

/** Moves the comments directly above `props[index]` out of the model (marks them removed) and returns them. */
function takeLeadingComments(props: readonly Property[], index: number, removed: Set<Property>): Comment[] {
  const taken: Comment[] = [];
  for (let j = index - 1; j >= 0; j--) {
    const p = props[j]!;
    if (p.type !== 'comment' || removed.has(p)) break;
    taken.unshift(p);
    removed.add(p);
  }
  return taken;
}

/** The other end of a relation field: same relation name, pointing back (not the field itself). */
function oppositeField(owner: PrismaObject, field: Field, target: PrismaObject): Field | undefined {
  const name = relationName(field);
  return fieldsOf(target).find(
    (f) =>
      f.fieldType === owner.name && relationName(f) === name && !(target === owner && f.name === field.name),
  );
}

function relationName(field: Field): string | undefined {
  const rel = attr(field.attributes, 'relation');
  if (!rel) return undefined;
  for (const a of rel.args ?? []) {
    if (typeof a.value === 'string') return unquote(a.value);
    if (typeof a.value === 'object' && a.value && 'key' in a.value && a.value.key === 'name')
      return typeof a.value.value === 'string' ? unquote(a.value.value) : undefined;
  }
  return undefined;
}

function relationFields(field: Field): string[] {
  return keyArg(attr(field.attributes, 'relation'), 'fields');
}

function keyArg(attribute: Attribute | undefined, key: string): string[] {
  for (const a of attribute?.args ?? []) {
    const v = a.value;
    if (typeof v === 'object' && v && 'key' in v && v.key === key) return arrayValues(v.value);
  }
  return [];
}

function arrayArg(args: readonly AttributeArgument[] | undefined): string[] {
  const first = args?.[0]?.value;
  return first === undefined ? [] : arrayValues(first as Value);
}

function arrayValues(v: Value): string[] {
  if (typeof v !== 'object' || v === null || !('type' in v) || v.type !== 'array') return [];
  // `[a, b(sort: Desc)]`: a field, or a function whose name is the field.
  return v.args.map((x) =>
    typeof x === 'string' ? x : typeof x === 'object' && x && 'name' in x ? x.name : '',
  );
}

function stringArg(a: { args?: AttributeArgument[] } | undefined): string | undefined {
  for (const arg of a?.args ?? []) {
    const v = arg.value;
    if (typeof v === 'string' && v.startsWith('"')) return unquote(v);
    if (typeof v === 'object' && v && 'key' in v && (v.key === 'name' || v.key === 'map'))
      return typeof v.value === 'string' ? unquote(v.value) : undefined;
  }
  return undefined;
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? (JSON.parse(s) as string) : s;
}

function attr(attributes: readonly Attribute[] | undefined, name: string): Attribute | undefined {
  return attributes?.find((a) => a.name === name && !a.group);
}

function tableName(o: PrismaObject): string {
  return stringArg(blockAttributes(o).find((a) => a.name === 'map')) ?? o.name;
}

function blockAttributes(o: PrismaObject): BlockAttribute[] {
  return o.properties.filter((p): p is BlockAttribute => p.type === 'attribute' && !p.group);
}

function fieldsOf(o: PrismaObject): Field[] {
  return o.properties.filter((p): p is Field => p.type === 'field');
}

function isObject(b: Schema['list'][number]): b is PrismaObject {
  return b.type === 'model' || b.type === 'view';
}

function comment(text: string): Comment {
  return { type: 'comment', text };
}

type Argument = AttributeArgument['value'];

function attribute(name: string, args: Argument[]): Attribute {
  return {
    type: 'attribute',
    kind: 'field',
    name,
    args: args.map((value) => ({ type: 'attributeArgument', value })),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
