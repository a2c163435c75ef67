/**
 * DDL as data: generation builds a list of statements, rendering turns each kind into SQL with its own
 * function. Names are unquoted here; render.ts quotes them (through core/ident) and nowhere else.
 */
import type { FkAction } from '../catalog/model.js';

export interface QualifiedName {
  schema: string;
  name: string;
}

export interface ColumnDef {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  generated: string | null;
}

export type Statement =
  | { kind: 'create-schema'; schema: string }
  | { kind: 'create-extension'; name: string }
  | { kind: 'create-enum'; type: QualifiedName; values: string[] }
  | {
      kind: 'create-domain';
      type: QualifiedName;
      baseType: string;
      notNull: boolean;
      default: string | null;
      checks: string[];
    }
  | {
      kind: 'create-sequence';
      sequence: QualifiedName;
      dataType: string;
      ownedBy: { table: string; column: string } | null;
    }
  | {
      kind: 'create-table';
      table: QualifiedName;
      columns: ColumnDef[];
      primaryKey: { name: string | null; columns: string[] } | null;
      uniques: { name: string | null; columns: string[] }[];
      checks: { name: string | null; expression: string }[];
      comment: string | null;
    }
  | {
      kind: 'add-foreign-key';
      table: QualifiedName;
      name: string | null;
      columns: string[];
      references: QualifiedName & { columns: string[] };
      onDelete: FkAction;
      onUpdate: FkAction;
      deferrable: boolean;
    }
  | {
      kind: 'create-index';
      table: QualifiedName;
      name: string;
      unique: boolean;
      method: string;
      /** The parenthesised key list and anything after it (INCLUDE, WHERE), or plain column names. */
      columns: string[] | null;
      tail: string | null;
      predicate: string | null;
    }
  | { kind: 'comment-on-column'; table: QualifiedName; column: string; text: string }
  | { kind: 'enable-rls'; table: QualifiedName }
  | {
      kind: 'create-policy';
      table: QualifiedName;
      name: string;
      command: string;
      permissive: boolean;
      roles: string[];
      using: string | null;
      withCheck: string | null;
    }
  | { kind: 'create-role'; role: string; login: boolean }
  | { kind: 'grant-schema'; schema: string; role: string }
  | { kind: 'set-search-path'; schemas: string[] }
  /** layout=databases: only the service's role may connect to its database. */
  | { kind: 'restrict-database'; role: string }
  | { kind: 'drop'; object: 'schema' | 'table' | 'type' | 'domain' | 'sequence'; name: QualifiedName }
  | { kind: 'drop-role'; role: string };

export type StatementKind = Statement['kind'];
