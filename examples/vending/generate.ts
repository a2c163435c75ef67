import { fileURLToPath } from 'node:url';
import { buildPostgres } from '../lib/pg-sink.js';
import { type Rng, scaleCounts, timestampAt, uuidAt } from '../lib/prng.js';
import {
  type BuildOptions,
  type BuildResult,
  DEFAULT_SEED,
  generatedTable,
  type TableRows,
} from '../lib/table-rows.js';
import { stubFile } from '../supabase/load.js';

const schemaFile = fileURLToPath(new URL('./schema.sql', import.meta.url));

/** Rows per table at scale 1; `scale` multiplies every one. */
export const BASE_COUNTS = {
  users: 60,
  audit_logs: 2_000,
  locations: 40,
  machines: 200,
  machine_telemetry: 8_000,
  service_history: 600,
  inventory_items: 120,
  stock_movements: 4_000,
  tasks: 1_500,
  task_actions: 4_000,
  transactions: 10_000,
} as const;
/** Every machine has this many slots, so machine_inventory = machines x 8. */
const SLOTS_PER_MACHINE = 8;

// User i has role ROLES[i % 4]: a technician can be drawn without looking users up.
const ROLES = ['admin', 'operator', 'technician', 'warehouse'] as const;
type Role = (typeof ROLES)[number];

const MODELS = ['Necta Kikko', 'Saeco Atlante', 'Bianchi Lei', 'Jofemar Vision', 'Unicum Food Box'];
const CITIES = ['Moscow', 'Kazan', 'Tomsk', 'Samara', 'Perm', 'Tver'];
const STREETS = ['Lenina', 'Mira', 'Sadovaya', 'Gagarina', 'Pushkina', 'Tverskaya'];
const CATEGORIES = ['coffee', 'snacks', 'drinks', 'sandwiches', 'sweets'];
const ERRORS = ['E01 coin jam', 'E07 cooler', 'E12 bill acceptor', 'E20 network'];

export async function build(options: BuildOptions): Promise<BuildResult> {
  const tables = await buildPostgres(options.url, [stubFile, schemaFile], tablesFor(options));
  return { tables };
}

export function tablesFor(options: Omit<BuildOptions, 'url'>): TableRows[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? 1;
  const n = scaleCounts(BASE_COUNTS, scale);
  const id = (table: string, index: number): string => uuidAt(seed, table, index);
  const ref = (rng: Rng, table: keyof typeof BASE_COUNTS): string => id(table, rng.int(0, n[table] - 1));
  // A user of the given role; falls back to user 0 when the scale is too small to have one.
  const userOfRole = (rng: Rng, role: Role): string => {
    const r = ROLES.indexOf(role);
    const last = Math.floor((n.users - 1 - r) / ROLES.length);
    return id('users', last < 0 ? 0 : rng.int(0, last) * ROLES.length + r);
  };
  const fullName = (i: number): string => `User ${i + 1}`;

  return [
    generatedTable(
      'auth.users',
      'id aud role email encrypted_password email_confirmed_at raw_app_meta_data raw_user_meta_data created_at updated_at',
      n.users,
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 30);
        return [
          id('users', i),
          'authenticated',
          'authenticated',
          `user${i + 1}@vending.example`,
          `$2a$10$${rng.hex(53)}`,
          created,
          JSON.stringify({ provider: 'email', providers: ['email'] }),
          JSON.stringify({ full_name: fullName(i) }),
          created,
          created,
        ];
      },
    ),
    generatedTable(
      'users',
      'id email full_name role phone is_active created_at updated_at',
      n.users,
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 30);
        const phone = rng.chance(0.8)
          ? `+7 9${rng.int(10, 99)} ${rng.int(100, 999)}-${rng.int(10, 99)}-${rng.int(10, 99)}`
          : null;
        return [
          id('users', i),
          `user${i + 1}@vending.example`,
          fullName(i),
          ROLES[i % ROLES.length],
          phone,
          rng.chance(0.95),
          created,
          created,
        ];
      },
    ),
    generatedTable(
      'locations',
      'id name address city latitude longitude created_at',
      n.locations,
      seed,
      (i, rng) => [
        id('locations', i),
        `${rng.pick(['Mall', 'Office', 'Station', 'Campus', 'Hospital'])} ${i + 1}`,
        `${rng.pick(STREETS)} st., ${rng.int(1, 120)}`,
        rng.pick(CITIES),
        rng.decimal(43, 60, 6),
        rng.decimal(30, 90, 6),
        rng.timestamp(0, 10),
      ],
    ),
    generatedTable(
      'machines',
      'id serial_number model status location_id technician_id installed_at last_service_at created_at updated_at',
      n.machines,
      seed,
      (i, rng) => {
        const created = rng.timestamp(0, 60);
        return [
          id('machines', i),
          `VM-${String(i + 1).padStart(6, '0')}`,
          rng.pick(MODELS),
          rng.pick(['active', 'active', 'active', 'active', 'maintenance', 'offline', 'retired']),
          rng.chance(0.95) ? ref(rng, 'locations') : null,
          rng.chance(0.9) ? userOfRole(rng, 'technician') : null,
          rng.date(0, 60),
          rng.chance(0.7) ? rng.timestamp(60, 366) : null,
          created,
          created,
        ];
      },
    ),
    generatedTable(
      'machine_telemetry',
      'machine_id recorded_at temperature cash_level door_open error_code payload',
      n.machine_telemetry,
      seed,
      (_i, rng) => [
        ref(rng, 'machines'),
        rng.timestamp(60, 366),
        rng.chance(0.97) ? rng.decimal(2, 9, 2) : null,
        rng.int(0, 5000),
        rng.chance(0.02),
        rng.chance(0.05) ? rng.pick(ERRORS) : null,
        JSON.stringify({ firmware: `2.${rng.int(0, 9)}.${rng.int(0, 20)}`, signal: rng.int(-110, -50) }),
      ],
    ),
    generatedTable(
      'service_history',
      'id machine_id technician_id service_type notes cost performed_at',
      n.service_history,
      seed,
      (i, rng) => [
        id('service_history', i),
        ref(rng, 'machines'),
        userOfRole(rng, 'technician'),
        rng.pick(['repair', 'cleaning', 'inspection', 'upgrade']),
        rng.chance(0.6) ? rng.sentence() : null,
        rng.decimal(0, 25000, 2),
        rng.timestamp(60, 366),
      ],
    ),
    generatedTable(
      'inventory_items',
      'id sku name category unit_price created_at',
      n.inventory_items,
      seed,
      (i, rng) => {
        const category = rng.pick(CATEGORIES);
        return [
          id('inventory_items', i),
          `SKU-${String(i + 1).padStart(5, '0')}`,
          `${category} ${rng.word()} ${rng.int(100, 999)}`,
          category,
          rng.decimal(30, 450, 2),
          rng.timestamp(0, 30),
        ];
      },
    ),
    generatedTable(
      'stock_movements',
      'id item_id machine_id movement_type quantity moved_by moved_at',
      n.stock_movements,
      seed,
      (i, rng) => {
        const type = rng.pick(['restock', 'restock', 'sale', 'adjustment', 'return', 'writeoff'] as const);
        const quantity = rng.int(1, 40) * (type === 'sale' || type === 'writeoff' ? -1 : 1);
        // Warehouse adjustments have no machine.
        const machine = type === 'adjustment' && rng.chance(0.5) ? null : ref(rng, 'machines');
        return [
          id('stock_movements', i),
          ref(rng, 'inventory_items'),
          machine,
          type,
          quantity,
          userOfRole(rng, 'warehouse'),
          rng.timestamp(60, 366),
        ];
      },
    ),
    generatedTable(
      'machine_inventory',
      'machine_id slot item_id quantity capacity updated_at',
      n.machines * SLOTS_PER_MACHINE,
      seed,
      (i, rng) => {
        const capacity = rng.pick([10, 12, 15, 20]);
        const slot = i % SLOTS_PER_MACHINE;
        return [
          id('machines', Math.floor(i / SLOTS_PER_MACHINE)),
          `${String.fromCharCode(65 + Math.floor(slot / 4))}${(slot % 4) + 1}`,
          ref(rng, 'inventory_items'),
          rng.int(0, capacity),
          capacity,
          rng.timestamp(300, 366),
        ];
      },
    ),
    generatedTable(
      'tasks',
      'id machine_id assigned_to created_by task_type status priority description due_at completed_at created_at',
      n.tasks,
      seed,
      (i, rng) => {
        const createdSec = rng.int(60 * 86_400, 360 * 86_400);
        const status = rng.pick(['open', 'in_progress', 'done', 'done', 'done', 'cancelled'] as const);
        return [
          id('tasks', i),
          ref(rng, 'machines'),
          rng.chance(0.9) ? userOfRole(rng, rng.chance(0.5) ? 'operator' : 'technician') : null,
          userOfRole(rng, 'admin'),
          rng.pick(['refill', 'collect_cash', 'repair', 'cleaning', 'inspection']),
          status,
          rng.int(1, 5),
          rng.chance(0.7) ? rng.sentence(4, 10) : null,
          timestampAt(createdSec + rng.int(1, 7) * 86_400),
          status === 'done' ? timestampAt(createdSec + rng.int(3600, 6 * 86_400)) : null,
          timestampAt(createdSec),
        ];
      },
    ),
    generatedTable(
      'task_actions',
      'id task_id performed_by action comment photo_url performed_at',
      n.task_actions,
      seed,
      (i, rng) => {
        const actionId = id('task_actions', i);
        return [
          actionId,
          ref(rng, 'tasks'),
          rng.chance(0.5) ? userOfRole(rng, 'operator') : userOfRole(rng, 'technician'),
          rng.pick(['started', 'photo_added', 'refilled', 'cash_collected', 'closed', 'comment']),
          rng.chance(0.4) ? rng.sentence(3, 8) : null,
          rng.chance(0.3) ? `task-photos/${actionId}.jpg` : null,
          rng.timestamp(60, 366),
        ];
      },
    ),
    generatedTable(
      'transactions',
      'id machine_id item_id collected_by amount currency payment_method status created_at',
      n.transactions,
      seed,
      (i, rng) => {
        const method = rng.pick(['cash', 'card', 'card', 'qr'] as const);
        return [
          id('transactions', i),
          ref(rng, 'machines'),
          rng.chance(0.97) ? ref(rng, 'inventory_items') : null,
          method === 'cash' && rng.chance(0.8) ? userOfRole(rng, 'operator') : null,
          rng.decimal(30, 450, 2),
          'RUB',
          method,
          rng.chance(0.98) ? 'completed' : 'refunded',
          rng.timestamp(60, 366),
        ];
      },
    ),
    generatedTable(
      'audit_logs',
      'user_id action entity entity_id details ip_address created_at',
      n.audit_logs,
      seed,
      (_i, rng) => {
        const entity = rng.pick(['machines', 'tasks', 'inventory_items', 'users'] as const);
        return [
          rng.chance(0.95) ? ref(rng, 'users') : null,
          rng.pick(['login', 'create', 'update', 'delete', 'export']),
          entity,
          ref(rng, entity),
          JSON.stringify({ source: rng.pick(['web', 'mobile', 'api']), changed: rng.int(0, 6) }),
          `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          rng.timestamp(0, 366),
        ];
      },
    ),
  ];
}
