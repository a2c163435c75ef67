import { fileURLToPath } from 'node:url';
import { buildPostgres } from '../lib/pg-sink.js';
import { type Rng, scaled, uuidAt } from '../lib/prng.js';
import {
  type BuildOptions,
  type BuildResult,
  DEFAULT_SEED,
  generatedTable,
  type TableRows,
} from '../lib/table-rows.js';

const schemaFile = fileURLToPath(new URL('./schema.sql', import.meta.url));

/** Rows per table at scale 1 that `scale` multiplies; the per-user tables follow users. */
export const BASE_COUNTS = { users: 200, refresh_tokens: 400, transactions: 20_000, goals: 300 } as const;
const BUDGET_MONTHS = 6; // January..June 2024: budgets = users x 6
const LIMITS_PER_BUDGET = 4; // budget_limits = budgets x 4

// Every user starts with the same eight categories (categories = users x 8), as the app's sign-up does.
const CATEGORIES = [
  { name: 'Food', icon: '🍎', income: false },
  { name: 'Transport', icon: '🚌', income: false },
  { name: 'Housing', icon: '🏠', income: false },
  { name: 'Health', icon: '💊', income: false },
  { name: 'Entertainment', icon: '🎬', income: false },
  { name: 'Salary', icon: '💼', income: true },
  { name: 'Gifts', icon: '🎁', income: true },
  { name: 'Other', icon: null, income: false },
] as const;
const EXPENSE_CATEGORIES = CATEGORIES.flatMap((c, i) => (c.income ? [] : [i]));

export async function build(options: BuildOptions): Promise<BuildResult> {
  return { tables: await buildPostgres(options.url, [schemaFile], tablesFor(options)) };
}

export function tablesFor(options: Omit<BuildOptions, 'url'>): TableRows[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const users = scaled(BASE_COUNTS.users, scale);
  const budgets = users * BUDGET_MONTHS;
  const id = (table: string, index: number): string => uuidAt(seed, table, index);
  const categoryId = (user: number, category: number): string =>
    id('categories', user * CATEGORIES.length + category);
  const someUser = (rng: Rng): number => rng.int(0, users - 1);

  return [
    generatedTable('users', 'id email password_hash created_at updated_at', users, seed, (i, rng) => {
      const created = rng.timestamp(0, 30);
      return [
        id('users', i),
        `user${i + 1}@budget.example`,
        `$argon2id$v=19$m=65536,t=3,p=4$${rng.hex(22)}$${rng.hex(43)}`,
        created,
        created,
      ];
    }),
    generatedTable(
      'refresh_tokens',
      'id token user_id expires_at created_at',
      scaled(BASE_COUNTS.refresh_tokens, scale),
      seed,
      (i, rng) => {
        const day = rng.int(150, 180);
        return [
          id('refresh_tokens', i),
          rng.hex(64),
          id('users', someUser(rng)),
          rng.timestamp(day + 30, day + 31),
          rng.timestamp(day, day + 1),
        ];
      },
    ),
    generatedTable(
      'categories',
      'id name user_id icon is_default created_at',
      users * CATEGORIES.length,
      seed,
      (i, rng) => {
        const category = CATEGORIES[i % CATEGORIES.length]!;
        const user = Math.floor(i / CATEGORIES.length);
        return [
          categoryId(user, i % CATEGORIES.length),
          category.name,
          id('users', user),
          category.icon,
          category.name !== 'Other',
          rng.timestamp(0, 30),
        ];
      },
    ),
    generatedTable('budgets', 'id user_id month year created_at updated_at', budgets, seed, (i, rng) => {
      const month = (i % BUDGET_MONTHS) + 1;
      const created = rng.timestamp((month - 1) * 30, (month - 1) * 30 + 3);
      return [id('budgets', i), id('users', Math.floor(i / BUDGET_MONTHS)), month, 2024, created, created];
    }),
    generatedTable(
      'budget_limits',
      'id budget_id category_id limit_amount',
      budgets * LIMITS_PER_BUDGET,
      seed,
      (i, rng) => {
        const budget = Math.floor(i / LIMITS_PER_BUDGET);
        const user = Math.floor(budget / BUDGET_MONTHS);
        // Consecutive expense categories from a per-budget offset: distinct within a budget, as the unique key needs.
        const category = EXPENSE_CATEGORIES[(budget + (i % LIMITS_PER_BUDGET)) % EXPENSE_CATEGORIES.length]!;
        return [
          id('budget_limits', i),
          id('budgets', budget),
          categoryId(user, category),
          `${rng.int(10, 600) * 100}.00`,
        ];
      },
    ),
    generatedTable(
      'transactions',
      'id user_id category_id type amount description date created_at',
      scaled(BASE_COUNTS.transactions, scale),
      seed,
      (i, rng) => {
        const user = someUser(rng);
        const category = rng.chance(0.1) ? rng.pick([5, 6]) : rng.pick(EXPENSE_CATEGORIES);
        const income = CATEGORIES[category]!.income;
        const date = rng.date(0, 182);
        return [
          id('transactions', i),
          id('users', user),
          categoryId(user, category),
          income ? 'INCOME' : 'EXPENSE',
          income ? rng.decimal(5000, 150000, 2) : rng.decimal(50, 9000, 2),
          rng.chance(0.6) ? rng.words(1, 4) : null,
          date,
          `${date}T${String(rng.int(8, 22)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00.000Z`,
        ];
      },
    ),
    generatedTable(
      'goals',
      'id user_id name target_amount current_amount deadline created_at updated_at',
      scaled(BASE_COUNTS.goals, scale),
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 120);
        return [
          id('goals', i),
          id('users', someUser(rng)),
          rng.pick(['Vacation', 'New laptop', 'Emergency fund', 'Car', 'Wedding', 'Course']),
          `${rng.int(10, 500) * 1000}.00`,
          rng.decimal(0, 10000, 2),
          rng.chance(0.7) ? rng.date(200, 730) : null,
          created,
          rng.timestamp(120, 182),
        ];
      },
    ),
    generatedTable(
      'notification_settings',
      'id user_id telegram_chat_id notify_limit_exceeded notify_goal_reached created_at updated_at',
      users,
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 30);
        return [
          id('notification_settings', i),
          id('users', i),
          rng.chance(0.6) ? String(rng.int(100_000_000, 999_999_999)) : null,
          rng.chance(0.9),
          rng.chance(0.8),
          created,
          created,
        ];
      },
    ),
  ];
}
