import { quoteIdent } from '../core/ident.js';
import { PostgresDatabase } from './postgres.js';

/**
 * CREATE DATABASE when it does not exist, through a connection to the server's maintenance database.
 * Two processes creating the same one race harmlessly: duplicate_database (42P04) counts as success.
 */
export async function createDatabaseIfMissing(
  adminUrl: string,
  name: string,
  display = 'admin',
): Promise<void> {
  const admin = new PostgresDatabase({ connectionString: adminUrl, display, max: 1, role: 'target' });
  try {
    const [exists] = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists) {
      await admin.query(`CREATE DATABASE ${quoteIdent(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await admin.close();
  }
}
