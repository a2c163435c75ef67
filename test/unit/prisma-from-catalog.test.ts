import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Column, EnumType, Table } from '../../src/catalog/model.js';
import { defaultPrismaOutput } from '../../src/schema/prisma/files.js';
import { prismaFromCatalog } from '../../src/schema/prisma/from-catalog.js';
import { table } from '../helpers/catalog-builder.js';
import { REPO } from '../helpers/fixtures.js';

/** `prisma validate` through its WASM engine: no engine download, no database. */
function prismaValidate(schemaFile: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      join(REPO, 'node_modules', '.bin', 'prisma'),
      ['validate', '--schema', schemaFile],
      { env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1' } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

async function expectValid(schema: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cleave-prisma-'));
  try {
    const file = join(dir, 'schema.prisma');
    await writeFile(file, schema);
    const result = await prismaValidate(file);
    expect(result.output).toContain('is valid');
    expect(result.code).toBe(0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Sets what the builder leaves neutral: defaults, identity, enum types, arrays, comments. */
function patch(t: Table, name: string, changes: Partial<Column>): Table {
  const column = t.columns.find((c) => c.name === name);
  if (!column) throw new Error(`no column ${name} in ${t.id}`);
  Object.assign(column, changes);
  return t;
}

const ROLE: EnumType = { schema: 'public', name: 'user_role', values: ['admin', 'member', 'read-only'] };

function shop(): Table[] {
  const users = table('users', {
    columns: {
      id: 'uuid',
      email: 'character varying(160)',
      display_name: 'text?',
      created_at: 'timestamp with time zone',
      balance: 'numeric(10,2)',
      tags: 'text[]',
      profile: 'jsonb?',
      avatar: 'bytea?',
      is_admin: 'boolean',
      role: 'user_role',
      '2fa-secret': 'character(16)?',
      search: 'tsvector?',
      age: 'smallint?',
      visits: 'bigint',
      rating: 'double precision?',
      born_on: 'date?',
    },
    unique: [['email']],
  });
  patch(users, 'id', { default: 'gen_random_uuid()' });
  patch(users, 'created_at', { default: 'now()' });
  patch(users, 'balance', { default: '0' });
  patch(users, 'tags', { isArray: true, baseType: 'text', default: "'{}'::text[]" });
  patch(users, 'is_admin', { default: 'false' });
  patch(users, 'role', {
    userType: 'public.user_role',
    baseType: 'user_role',
    default: "'read-only'::user_role",
  });
  patch(users, 'visits', { default: "'0'::bigint" });
  patch(users, 'email', { comment: 'Login name; lower-cased by the application' });
  users.comment = 'People who can sign in';

  const orders = table('orders', {
    columns: {
      id: 'integer',
      customer_id: 'uuid',
      seller_id: 'uuid?',
      total: 'numeric(10,2)',
      placed_at: 'timestamp without time zone',
      status: 'character varying(20)',
      account_id: 'integer?',
      coupon_code: 'character varying(12)?',
    },
    fks: [
      { columns: ['coupon_code'], table: 'coupons', refColumns: ['code'] },
      { columns: ['customer_id'], table: 'users', onDelete: 'cascade' },
      { columns: ['seller_id'], table: 'users', name: 'orders_seller_fk', onDelete: 'set null' },
      { columns: ['account_id'], table: 'billing.accounts' },
    ],
  });
  patch(orders, 'id', { default: "nextval('orders_id_seq'::regclass)", autoIncrement: true });
  patch(orders, 'status', { default: "'new'::character varying" });
  orders.indexes.push({
    name: 'orders_placed_at_idx',
    columns: ['placed_at'],
    unique: false,
    primary: false,
    method: 'btree',
    predicate: null,
    definition: null,
  });

  // A unique index, not a constraint, is what the foreign key above relies on.
  const coupons = table('coupons', {
    columns: { id: 'integer', code: 'character varying(12)', email: 'email?' },
  });
  coupons.indexes.push({
    name: 'coupons_code_uq',
    columns: ['code'],
    unique: true,
    primary: false,
    method: 'btree',
    predicate: null,
    definition: null,
  });
  patch(coupons, 'email', { userType: 'public.email', baseType: 'citext' });

  const items = table('order_items', {
    pk: ['order_id', 'line_no'],
    unique: [['order_id', 'product_code']],
    columns: { order_id: 'integer', line_no: 'smallint', product_code: 'character(8)', quantity: 'integer' },
    fks: [{ columns: ['order_id'], table: 'orders', onDelete: 'cascade' }],
  });
  patch(items, 'quantity', { default: '1' });

  const employees = table('employees', {
    columns: { id: 'bigint', manager_id: 'bigint?', name: 'text' },
    fks: [{ columns: ['manager_id'], table: 'employees' }],
  });
  patch(employees, 'id', { identity: 'always', autoIncrement: true });

  const profiles = table('profiles', {
    pk: ['user_id'],
    columns: { user_id: 'uuid', bio: 'text?' },
    fks: [{ columns: ['user_id'], table: 'users', onDelete: 'cascade' }],
  });

  const log = table('audit log', {
    pk: null,
    columns: { at: 'timestamp(3) with time zone', what: 'text', user_id: 'uuid?' },
    fks: [{ columns: ['user_id'], table: 'users' }],
  });
  return [users, orders, coupons, items, employees, profiles, log];
}

describe('prismaFromCatalog', () => {
  it('maps types, keys, defaults and relations to a schema Prisma accepts (layout databases)', async () => {
    const schema = prismaFromCatalog(shop(), { ...defaultPrismaOutput('shop', 'databases'), enums: [ROLE] });
    expect(schema).toMatchInlineSnapshot(`
      "generator client {
        provider = "prisma-client-js"
        output   = "../../node_modules/.prisma/shop"
      }

      datasource db {
        provider = "postgresql"
      }

      /// People who can sign in
      model Users {
        id               String                   @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
        /// Login name; lower-cased by the application
        email            String                   @unique @db.VarChar(160)
        displayName      String?                  @map("display_name")
        createdAt        DateTime                 @default(now()) @map("created_at") @db.Timestamptz(6)
        balance          Decimal                  @default(0) @db.Decimal(10, 2)
        tags             String[]                 @default([])
        profile          Json?
        avatar           Bytes?
        isAdmin          Boolean                  @default(false) @map("is_admin")
        role             UserRole                 @default(read_only)
        c2faSecret       String?                  @map("2fa-secret") @db.Char(16)
        search           Unsupported("tsvector")?
        age              Int?                     @db.SmallInt
        visits           BigInt                   @default(0)
        rating           Float?
        bornOn           DateTime?                @map("born_on") @db.Date
        ordersByCustomer Orders[]                 @relation("OrdersCustomer")
        ordersBySeller   Orders[]                 @relation("OrdersSeller")
        profile2         Profiles?

        @@map("users")
      }

      model Orders {
        id         Int          @id @default(autoincrement())
        customerId String       @map("customer_id") @db.Uuid
        sellerId   String?      @map("seller_id") @db.Uuid
        total      Decimal      @db.Decimal(10, 2)
        placedAt   DateTime     @map("placed_at") @db.Timestamp(6)
        status     String       @default("new") @db.VarChar(20)
        /// references billing.accounts(id), outside this service: check it in the application
        accountId  Int?         @map("account_id")
        couponCode String?      @map("coupon_code") @db.VarChar(12)
        coupon     Coupons?     @relation(fields: [couponCode], references: [code], onDelete: NoAction, onUpdate: NoAction)
        customer   Users        @relation("OrdersCustomer", fields: [customerId], references: [id], onDelete: Cascade, onUpdate: NoAction)
        seller     Users?       @relation("OrdersSeller", fields: [sellerId], references: [id], onUpdate: NoAction, map: "orders_seller_fk")
        orderItems OrderItems[]

        @@index([placedAt])
        @@map("orders")
      }

      model Coupons {
        id     Int      @id
        code   String   @unique(map: "coupons_code_uq") @db.VarChar(12)
        /// domain public.email in the source: its checks are not in this schema
        email  String?  @db.Citext
        orders Orders[]

        @@map("coupons")
      }

      model OrderItems {
        orderId     Int    @map("order_id")
        lineNo      Int    @map("line_no") @db.SmallInt
        productCode String @map("product_code") @db.Char(8)
        quantity    Int    @default(1)
        order       Orders @relation(fields: [orderId], references: [id], onDelete: Cascade, onUpdate: NoAction)

        @@id([orderId, lineNo])
        @@unique([orderId, productCode])
        @@map("order_items")
      }

      model Employees {
        id                 BigInt      @id @default(autoincrement())
        managerId          BigInt?     @map("manager_id")
        name               String
        manager            Employees?  @relation("EmployeesManager", fields: [managerId], references: [id], onDelete: NoAction, onUpdate: NoAction)
        employeesByManager Employees[] @relation("EmployeesManager")

        @@map("employees")
      }

      model Profiles {
        userId String  @id @map("user_id") @db.Uuid
        bio    String?
        user   Users   @relation(fields: [userId], references: [id], onDelete: Cascade, onUpdate: NoAction)

        @@map("profiles")
      }

      model AuditLog {
        at     DateTime @db.Timestamptz(3)
        what   String
        /// references public.users(id), not a relation here because one side has no primary key: check it in the application
        userId String?  @map("user_id") @db.Uuid

        @@map("audit log")
        @@ignore
      }

      enum UserRole {
        admin
        member
        read_only @map("read-only")
        @@map("user_role")
      }
      "
    `);
    await expectValid(schema);
  });

  it('puts every model and enum in the service schema (layout schemas)', async () => {
    const schema = prismaFromCatalog(shop(), { ...defaultPrismaOutput('shop', 'schemas'), enums: [ROLE] });
    expect(schema).toContain('schemas  = ["shop"]');
    const blocks = schema.match(/^(model|enum) \w+ \{[^}]*\}/gm) ?? [];
    expect(blocks).toHaveLength(8);
    for (const b of blocks) expect(b).toContain('@@schema("shop")');
    await expectValid(schema);
  });
});
