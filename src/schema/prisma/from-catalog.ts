import {
  type Attribute,
  type BlockAttribute,
  type Comment,
  type Enum,
  type Enumerator,
  type Field,
  type KeyValue,
  type Model,
  printSchema,
  type Value,
} from '@mrleebo/prisma-ast';
import type { Column, EnumType, FkAction, ForeignKey, Table } from '../../catalog/model.js';
import { blockAttribute, keyValue, lowerFirst } from './ast.js';
import { type PrismaOutputOptions, prismaHeader, targetSchema } from './files.js';

/**
 * One service's schema.prisma from the catalog of its PostgreSQL tables, written the way `prisma db pull`
 * would and then tidied the way people edit it: PascalCase models and camelCase fields, each @map'ped to the
 * real name, native types spelled out so a migration recreates the same columns, database defaults kept.
 * Foreign keys to tables outside `tables` stay plain columns: that service's rows are not here.
 */
export function prismaFromCatalog(
  tables: readonly Table[],
  options: PrismaOutputOptions & { enums?: readonly EnumType[] },
): string {
  const schema = targetSchema(options);
  const taken = new Set(RESERVED);
  const enums = new Map<string, PrismaEnum>();
  for (const e of options.enums ?? []) {
    const key = `${e.schema}.${e.name}`;
    if (tables.some((t) => t.columns.some((c) => c.userType === key))) enums.set(key, prismaEnum(e, taken));
  }
  const models = tables.map((t) => draftModel(t, taken, enums));
  const byTable = new Map(models.map((m) => [`${m.table.schema}.${m.table.name}`, m]));
  addRelations(models, byTable);

  const blocks: string[] = [prismaHeader(options)];
  for (const m of models) blocks.push(print(finishModel(m, schema), docLines(m.table.comment)));
  for (const e of enums.values()) blocks.push(print(withSchema(e.block, schema), []));
  return blocks.join('\n');
}

interface PrismaEnum {
  block: Enum;
  /** Database label -> Prisma enum value name. */
  values: Map<string, string>;
}

interface ScalarDraft {
  column: Column;
  field: Field;
  comments: Comment[];
}

interface ModelDraft {
  table: Table;
  name: string;
  scalars: ScalarDraft[];
  fieldOf: Map<string, string>;
  /** Field names in use in this model. */
  used: Set<string>;
  relations: Field[];
  /** A model with no unique criterion Prisma Client can use: kept, but @@ignore'd and outside relations. */
  ignored: boolean;
  blockAttributes: BlockAttribute[];
}

// Names Prisma refuses for models and enums: its own types and the generated client's top-level names.
const RESERVED = new Set(
  'String Int BigInt Float Decimal Boolean DateTime Json Bytes Unsupported Prisma PrismaClient'.split(' '),
);

const ACTIONS: Record<FkAction, string> = {
  'no action': 'NoAction',
  restrict: 'Restrict',
  cascade: 'Cascade',
  'set null': 'SetNull',
  'set default': 'SetDefault',
};

function prismaEnum(e: EnumType, taken: Set<string>): PrismaEnum {
  const name = unique(pascalCase(e.name, 'Enum'), taken);
  const values = new Map<string, string>();
  const usedValues = new Set<string>();
  const enumerators: Enumerator[] = e.values.map((label) => {
    const value = unique(identifier(label, 'VALUE'), usedValues);
    values.set(label, value);
    return {
      type: 'enumerator',
      name: value,
      ...(value === label ? {} : { attributes: [attribute('map', [JSON.stringify(label)])] }),
    };
  });
  const block: Enum = {
    type: 'enum',
    name,
    enumerators: [
      ...enumerators,
      ...(name === e.name ? [] : [blockAttribute('map', [JSON.stringify(e.name)])]),
    ],
  };
  return { block, values };
}

function draftModel(table: Table, taken: Set<string>, enums: Map<string, PrismaEnum>): ModelDraft {
  const name = unique(pascalCase(table.name, 'Table'), taken);
  const used = new Set<string>();
  const fieldOf = new Map<string, string>();
  for (const c of table.columns) fieldOf.set(c.name, unique(camelCase(c.name, 'column'), used));
  const pk = table.primaryKey?.columns ?? [];
  const uniques = uniqueKeys(table);
  const singleUnique = new Map(uniques.filter((u) => u.columns.length === 1).map((u) => [u.columns[0]!, u]));
  const scalars = table.columns.map((column): ScalarDraft => {
    const fieldName = fieldOf.get(column.name)!;
    const mapped = mapType(column, enums);
    const attributes: Attribute[] = [];
    if (pk.length === 1 && pk[0] === column.name)
      attributes.push(attribute('id', nameArg(table.primaryKey?.name, `${table.name}_pkey`)));
    const u = singleUnique.get(column.name);
    if (u) attributes.push(attribute('unique', nameArg(u.name, `${table.name}_${column.name}_key`)));
    const def = mapDefault(column, mapped);
    if (def !== null) attributes.push(attribute('default', [def]));
    if (fieldName !== column.name) attributes.push(attribute('map', [JSON.stringify(column.name)]));
    if (mapped.native) attributes.push(attribute(mapped.native.name, mapped.native.args, 'db'));
    const comments = docLines(column.comment);
    if (column.generated)
      comments.push({
        type: 'comment',
        text: `/// generated always as (${column.generated.expression}) ${column.generated.kind}: the database computes it, do not write it`,
      });
    if (mapped.note) comments.push({ type: 'comment', text: `/// ${mapped.note}` });
    const fieldType: Field['fieldType'] = mapped.unsupported
      ? { type: 'function', name: 'Unsupported', params: [JSON.stringify(mapped.type)] }
      : mapped.type;
    return {
      column,
      comments,
      field: {
        type: 'field',
        name: fieldName,
        fieldType,
        array: mapped.list,
        optional: column.nullable && !mapped.list,
        attributes,
      },
    };
  });
  const blockAttributes: BlockAttribute[] = [];
  if (pk.length > 1)
    blockAttributes.push(
      blockAttribute('id', [
        columnsArg(pk, fieldOf),
        ...nameArg(table.primaryKey?.name, `${table.name}_pkey`),
      ]),
    );
  for (const u of uniques) {
    if (u.columns.length === 1) continue;
    const fallback = `${table.name}_${u.columns.join('_')}_key`;
    blockAttributes.push(
      blockAttribute('unique', [columnsArg(u.columns, fieldOf), ...nameArg(u.name, fallback)]),
    );
  }
  for (const i of table.indexes) {
    if (i.primary || i.unique || i.predicate !== null || i.method !== 'btree') continue;
    if (!i.columns.every((c) => fieldOf.has(c))) continue;
    const fallback = `${table.name}_${i.columns.join('_')}_idx`;
    blockAttributes.push(
      blockAttribute('index', [columnsArg(i.columns, fieldOf), ...nameArg(i.name, fallback)]),
    );
  }
  const required = (cols: readonly string[]) =>
    cols.every((c) => table.columns.find((x) => x.name === c)?.nullable === false);
  const ignored = pk.length === 0 && !uniques.some((u) => required(u.columns));
  return { table, name, scalars, fieldOf, used, relations: [], ignored, blockAttributes };
}

/** Unique constraints, and unique indexes on plain columns with no predicate (Prisma can model those too). */
function uniqueKeys(table: Table): { name: string | null; columns: string[] }[] {
  const seen = new Set<string>([JSON.stringify(table.primaryKey?.columns ?? [])]);
  const out: { name: string | null; columns: string[] }[] = [];
  const names = new Set(table.columns.map((c) => c.name));
  const candidates = [
    ...table.uniqueKeys,
    ...table.indexes.filter((i) => i.unique && !i.primary && i.predicate === null && i.method === 'btree'),
  ];
  for (const k of candidates) {
    const key = JSON.stringify(k.columns);
    if (seen.has(key) || !k.columns.every((c) => names.has(c))) continue;
    seen.add(key);
    out.push({ name: k.name, columns: k.columns });
  }
  return out;
}

function addRelations(models: readonly ModelDraft[], byTable: Map<string, ModelDraft>): void {
  const pairs = new Map<string, number>();
  const pairKey = (a: ModelDraft, b: ModelDraft) => [a.name, b.name].sort().join('\u0000');
  const resolved: { from: ModelDraft; to: ModelDraft; fk: ForeignKey }[] = [];
  for (const from of models) {
    for (const fk of from.table.foreignKeys) {
      const to = byTable.get(`${fk.references.schema}.${fk.references.name}`);
      const first = from.scalars.find((s) => s.column.name === fk.columns[0]);
      if (!first) continue;
      const why = !to
        ? 'outside this service'
        : from.ignored || to.ignored
          ? 'not a relation here because one side has no primary key'
          : !isKey(to.table, fk.references.columns)
            ? 'not a relation here because the referenced columns are no key Prisma knows'
            : null;
      if (!to || why !== null) {
        const target = `${fk.references.schema}.${fk.references.name}(${fk.references.columns.join(', ')})`;
        first.comments.push({
          type: 'comment',
          text: `/// references ${target}, ${why}: check it in the application`,
        });
        continue;
      }
      resolved.push({ from, to, fk });
      pairs.set(pairKey(from, to), (pairs.get(pairKey(from, to)) ?? 0) + 1);
    }
  }
  for (const { from, to, fk } of resolved) {
    const self = from === to;
    const fieldName = relationFieldName(from, to, fk);
    const named = self || (pairs.get(pairKey(from, to)) ?? 0) > 1;
    const relationName = named ? `${from.name}${upperFirst(fieldName)}` : undefined;
    const optional = fk.columns.some((c) => from.table.columns.find((x) => x.name === c)?.nullable !== false);
    const args: Argument[] = [];
    if (relationName) args.push(JSON.stringify(relationName));
    args.push(keyValue('fields', columnsArg(fk.columns, from.fieldOf)));
    args.push(keyValue('references', columnsArg(fk.references.columns, to.fieldOf)));
    // Prisma's defaults: onDelete SetNull when optional, Restrict when required; onUpdate Cascade.
    if (ACTIONS[fk.onDelete] !== (optional ? 'SetNull' : 'Restrict'))
      args.push(keyValue('onDelete', ACTIONS[fk.onDelete]));
    if (fk.onUpdate !== 'cascade') args.push(keyValue('onUpdate', ACTIONS[fk.onUpdate]));
    const fallback = `${from.table.name}_${fk.columns.join('_')}_fkey`;
    if (fk.name && fk.name !== fallback) args.push(keyValue('map', JSON.stringify(fk.name)));
    from.relations.push({
      type: 'field',
      name: fieldName,
      fieldType: to.name,
      array: false,
      optional,
      attributes: [attribute('relation', args)],
    });
    // The other side: a list, or a single optional row when the key columns are themselves unique.
    const oneToOne = [
      from.table.primaryKey?.columns ?? [],
      ...uniqueKeys(from.table).map((u) => u.columns),
    ].some((cols) => cols.length === fk.columns.length && cols.every((c) => fk.columns.includes(c)));
    const base = oneToOne ? singular(lowerFirst(from.name)) : plural(lowerFirst(from.name));
    const backName = unique(named ? `${base}By${upperFirst(fieldName)}` : base, to.used);
    to.relations.push({
      type: 'field',
      name: backName,
      fieldType: from.name,
      array: !oneToOne,
      optional: oneToOne,
      attributes: relationName ? [attribute('relation', [JSON.stringify(relationName)])] : [],
    });
  }
}

/** Prisma's `references` must name the target's primary key or one of its unique keys, exactly. */
function isKey(table: Table, columns: readonly string[]): boolean {
  const keys = [table.primaryKey?.columns ?? [], ...uniqueKeys(table).map((u) => u.columns)];
  return keys.some((k) => k.length === columns.length && k.every((c) => columns.includes(c)));
}

/** `artist_id` -> `artist`; a composite key, or a name already taken, -> the target's name. */
function relationFieldName(from: ModelDraft, to: ModelDraft, fk: ForeignKey): string {
  const single = fk.columns.length === 1 ? fk.columns[0]! : null;
  const stripped = single?.replace(/_?(id|ID|Id)$/, '') ?? '';
  const candidates = [
    stripped !== '' && stripped !== single ? camelCase(stripped, '') : '',
    singular(lowerFirst(to.name)),
    single
      ? `${camelCase(single, 'column')}${to.name}`
      : `${lowerFirst(to.name)}By${fk.columns.map((c) => upperFirst(camelCase(c, 'c'))).join('')}`,
  ];
  for (const c of candidates) if (c !== '' && !from.used.has(c)) return unique(c, from.used);
  return unique(singular(lowerFirst(to.name)), from.used);
}

function finishModel(m: ModelDraft, schema: string | null): Model {
  const properties: Model['properties'] = [];
  for (const s of m.scalars) properties.push(...s.comments, s.field);
  properties.push(...m.relations);
  const block = [...m.blockAttributes];
  if (m.name !== m.table.name) block.push(blockAttribute('map', [JSON.stringify(m.table.name)]));
  if (m.ignored) block.push(blockAttribute('ignore', []));
  if (schema !== null) block.push(blockAttribute('schema', [JSON.stringify(schema)]));
  if (block.length > 0) properties.push({ type: 'break' }, ...block);
  return { type: 'model', name: m.name, properties };
}

function print(block: Model | Enum, doc: readonly Comment[]): string {
  const body = printSchema({ type: 'schema', list: [block] }).trim();
  return `${[...doc.map((c) => c.text), body].join('\n')}\n`;
}

function docLines(text: string | null): Comment[] {
  return (text ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => ({ type: 'comment', text: `/// ${l.trim()}` }));
}

function withSchema(e: Enum, schema: string | null): Enum {
  return schema === null
    ? e
    : { ...e, enumerators: [...e.enumerators, blockAttribute('schema', [JSON.stringify(schema)])] };
}

// ---------------------------------------------------------------------------------------------- types

interface MappedType {
  type: string;
  list: boolean;
  unsupported: boolean;
  native?: { name: string; args: Argument[] };
  enumType?: PrismaEnum;
  note?: string;
}

/**
 * PostgreSQL type (as format_type prints it) -> Prisma scalar and native type. A native type is spelled out
 * whenever Prisma's default for the scalar differs (DateTime defaults to timestamp(3), Decimal to
 * numeric(65,30)), so that a Prisma migration recreates the source's column.
 */
function mapType(column: Column, enums: Map<string, PrismaEnum>): MappedType {
  const printed = column.type.trim();
  const list = column.isArray || /\[\]$/.test(printed);
  const base = printed.replace(/(\[\])+$/, '');
  const e = column.userType ? enums.get(column.userType) : undefined;
  if (e) return { type: e.block.name, list, unsupported: false, enumType: e };
  const scalar =
    scalarType(base) ??
    (column.userType ? scalarType(BASE_ALIASES[column.baseType] ?? column.baseType) : null);
  if (!scalar) return { type: printed, list: false, unsupported: true };
  const note = column.userType
    ? `domain ${column.userType} in the source: its checks are not in this schema`
    : undefined;
  return { ...scalar, list, unsupported: false, ...(note ? { note } : {}) };
}

const BASE_ALIASES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  bool: 'boolean',
  varchar: 'character varying',
  bpchar: 'character',
  timestamptz: 'timestamp with time zone',
  timetz: 'time with time zone',
};

type Scalar = { type: string; native?: { name: string; args: Argument[] } };

const native = (type: string, name: string, ...args: (string | undefined)[]): Scalar => ({
  type,
  native: { name, args: args.filter((a): a is string => a !== undefined) },
});

// First match wins; `m` is the match, its groups the type's length, precision or scale.
const TYPE_RULES: [RegExp, (m: RegExpExecArray) => Scalar][] = [
  [/^(integer|int|int4)$/, () => ({ type: 'Int' })],
  [/^(smallint|int2)$/, () => native('Int', 'SmallInt')],
  [/^(bigint|int8)$/, () => ({ type: 'BigInt' })],
  [/^oid$/, () => native('Int', 'Oid')],
  [/^(real|float4)$/, () => native('Float', 'Real')],
  [/^(double precision|float8)$/, () => ({ type: 'Float' })],
  [
    /^(?:numeric|decimal)(?:\((\d+)(?:,\s*(\d+))?\))?$/,
    (m) => (m[1] ? native('Decimal', 'Decimal', m[1], m[2] ?? '0') : native('Decimal', 'Decimal')),
  ],
  [/^money$/, () => native('Decimal', 'Money')],
  [/^text$/, () => ({ type: 'String' })],
  [/^(?:character varying|varchar)(?:\((\d+)\))?$/, (m) => native('String', 'VarChar', m[1])],
  [/^(?:character|char|bpchar)(?:\((\d+)\))?$/, (m) => native('String', 'Char', m[1] ?? '1')],
  [/^uuid$/, () => native('String', 'Uuid')],
  [/^xml$/, () => native('String', 'Xml')],
  [/^inet$/, () => native('String', 'Inet')],
  [/^citext$/, () => native('String', 'Citext')],
  [/^bit(?:\((\d+)\))?$/, (m) => native('String', 'Bit', m[1] ?? '1')],
  [/^bit varying(?:\((\d+)\))?$/, (m) => native('String', 'VarBit', m[1])],
  [/^(boolean|bool)$/, () => ({ type: 'Boolean' })],
  [/^timestamp(?:\((\d)\))? with time zone$/, (m) => native('DateTime', 'Timestamptz', m[1] ?? '6')],
  [/^timestamptz(?:\((\d)\))?$/, (m) => native('DateTime', 'Timestamptz', m[1] ?? '6')],
  [/^timestamp(?:\((\d)\))?(?: without time zone)?$/, (m) => native('DateTime', 'Timestamp', m[1] ?? '6')],
  [/^date$/, () => native('DateTime', 'Date')],
  [/^time(?:\((\d)\))? with time zone$/, (m) => native('DateTime', 'Timetz', m[1] ?? '6')],
  [/^time(?:\((\d)\))?(?: without time zone)?$/, (m) => native('DateTime', 'Time', m[1] ?? '6')],
  [/^json$/, () => native('Json', 'Json')],
  [/^jsonb$/, () => ({ type: 'Json' })],
  [/^bytea$/, () => ({ type: 'Bytes' })],
];

function scalarType(t: string): Scalar | null {
  for (const [pattern, build] of TYPE_RULES) {
    const m = pattern.exec(t);
    if (m) return build(m);
  }
  return null;
}

// -------------------------------------------------------------------------------------------- defaults

/**
 * The column default as Prisma spells it. Database-side defaults stay database-side: gen_random_uuid() is
 * `dbgenerated(...)`, not Prisma's client-side `uuid()`, so rows written by other programs get one too.
 */
function mapDefault(column: Column, mapped: MappedType): Value | null {
  if (column.identity !== null || (column.autoIncrement && /^nextval\(/.test(column.default ?? '')))
    return mapped.unsupported ? null : fn('autoincrement');
  const expr = column.default?.trim();
  if (!expr) return null;
  const generated = fn('dbgenerated', JSON.stringify(expr));
  if (mapped.unsupported) return generated;
  if (/^(now\(\)|CURRENT_TIMESTAMP|transaction_timestamp\(\))$/i.test(expr) && mapped.type === 'DateTime')
    return fn('now');
  const literal = /^\(?'((?:[^']|'')*)'(?:::[\w\s."[\]()]+?)?\)?$/.exec(expr);
  const text = literal
    ? literal[1]!.replaceAll("''", "'")
    : /^\(?(-?[\d.]+)\)?(?:::[\w\s]+)?$/.exec(expr)?.[1];
  if (text === undefined)
    return /^(true|false)$/i.test(expr) && mapped.type === 'Boolean' ? expr.toLowerCase() : generated;
  if (mapped.list) return text === '{}' ? { type: 'array', args: [] } : generated;
  if (mapped.enumType) {
    const value = mapped.enumType.values.get(text);
    return value ?? generated;
  }
  switch (mapped.type) {
    case 'String':
      return mapped.native?.name === 'Uuid' || mapped.native?.name === 'Bit'
        ? generated
        : JSON.stringify(text);
    case 'Json':
      return JSON.stringify(text);
    case 'Int':
    case 'BigInt':
      return /^-?\d+$/.test(text) ? text : generated;
    case 'Float':
    case 'Decimal':
      return /^-?(\d+\.?\d*|\.\d+)$/.test(text) ? text : generated;
    case 'Boolean':
      return /^(t|true)$/i.test(text) ? 'true' : /^(f|false)$/i.test(text) ? 'false' : generated;
    default:
      return generated;
  }
}

// --------------------------------------------------------------------------------------------- names

/** A Prisma identifier: a letter first, then letters, digits and _. */
function identifier(raw: string, fallback: string): string {
  let s = raw.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = fallback;
  if (!/^[A-Za-z]/.test(s)) s = `${fallback.charAt(0)}${s}`;
  return s;
}

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}

function pascalCase(name: string, fallback: string): string {
  const joined = words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
  return identifier(joined, fallback);
}

function camelCase(name: string, fallback: string): string {
  const pascal = words(name)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
  if (pascal === '') return fallback;
  return identifier(lowerFirst(pascal), fallback);
}

function plural(name: string): string {
  if (/s$/.test(name)) return name;
  if (/[^aeiou]y$/.test(name)) return `${name.slice(0, -1)}ies`;
  return `${name}s`;
}

/** Model names follow table names, often plural: a field holding one row reads better singular. */
function singular(name: string): string {
  if (/[^aeiou]ies$/.test(name)) return `${name.slice(0, -3)}y`;
  if (/(ss|x|ch|sh)es$/.test(name)) return name.slice(0, -2);
  if (/[^su]s$/.test(name) && name.length > 3) return name.slice(0, -1);
  return name;
}

function unique(name: string, taken: Set<string>): string {
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name}${n}`;
  taken.add(candidate);
  return candidate;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ----------------------------------------------------------------------------------------- AST helpers

type Argument = Value | KeyValue;

function attribute(name: string, args: Argument[], group?: string): Attribute {
  return {
    type: 'attribute',
    kind: 'field',
    name,
    ...(group ? { group } : {}),
    ...(args.length > 0
      ? { args: args.map((value) => ({ type: 'attributeArgument' as const, value })) }
      : {}),
  };
}

function fn(name: string, ...params: Value[]): Value {
  return { type: 'function', name, params };
}

function columnsArg(columns: readonly string[], fieldOf: Map<string, string>): Value {
  return { type: 'array', args: columns.map((c) => fieldOf.get(c) ?? c) };
}

/** `map: "name"` when the database name is not the one Prisma would choose. */
function nameArg(name: string | null | undefined, prismaDefault: string): Argument[] {
  return name && name !== prismaDefault ? [keyValue('map', JSON.stringify(name))] : [];
}
