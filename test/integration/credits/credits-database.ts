import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';

/**
 * A migrated database of the test's own: the credit inventory is global, not per organization, so other files of
 * the run must not take from or add to what a credits test counts.
 */
export async function createCreditsDatabase(prefix: string, poolSize = 4): Promise<{ url: string; ds: DataSource; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;
  const name = `${prefix}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = await createDataSource({ url: url.toString(), poolSize }).initialize();
  await migrateUp(ds);
  return {
    url: url.toString(),
    ds,
    async drop() {
      await ds.destroy();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
