import type { AttributeArgument, BlockAttribute, KeyValue, Value } from '@mrleebo/prisma-ast';

type Argument = AttributeArgument['value'];

/** Small constructors of prisma-ast nodes shared by splitting and generating schemas. */
export function blockAttribute(name: string, args: Argument[]): BlockAttribute {
  return {
    type: 'attribute',
    kind: 'object',
    name,
    args: args.map((value) => ({ type: 'attributeArgument', value })),
  };
}

export function keyValue(key: string, value: Value): KeyValue {
  return { type: 'keyValue', key, value };
}

export function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
