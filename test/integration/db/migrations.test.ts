import { Client } from 'pg';
import { createDataSource } from '../../../src/db/data-source';
import { migrateDownAll, migrateUp } from '../../../src/db/migrations-runner';

const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;

async function withScratchDatabase(run: (url: string) => Promise<void>): Promise<void> {
  const name = `carbonplan_migrations_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    await run(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const userObjects = `
  SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'S', 'p') AND c.relname NOT LIKE 'typeorm_migrations%'
  UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'`;

describe('migrations', () => {
  it('create every table of the data model on an empty database and revert to an empty one', async () => {
    await withScratchDatabase(async (url) => {
      const ds = await createDataSource({ url, poolSize: 1 }).initialize();
      try {
        expect(await ds.query(userObjects)).toEqual([]);
        const applied = await migrateUp(ds);
        expect(applied.length).toBeGreaterThan(0);

        const tables = (await ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).map((r: { tablename: string }) => r.tablename);
        for (const table of ['organizations', 'api_keys', 'projects', 'provider_connections', 'usage_events', 'event_emissions', 'usage_rollups',
          'carbon_factor_sets', 'billing_periods', 'carbon_receipts', 'credit_retirements', 'signing_keys', 'audit_packs', 'stripe_events']) {
          expect(tables).toContain(table);
        }
        // Running again is a no-op.
        expect(await migrateUp(ds)).toEqual([]);

        expect(await migrateDownAll(ds)).toBe(applied.length);
        expect(await ds.query(userObjects)).toEqual([]);
      } finally {
        await ds.destroy();
      }
    });
  });

  it('enforce the unique keys the design relies on', async () => {
    await withScratchDatabase(async (url) => {
      const ds = await createDataSource({ url, poolSize: 1 }).initialize();
      try {
        await migrateUp(ds);
        const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ('org_a', 'A') RETURNING id`);
        await expect(ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ('org_a', 'A again')`)).rejects.toThrow(/unique/);
        await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true)`, [org.id]);
        await expect(ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Other', 'other', true)`, [org.id])).rejects.toThrow(/unique/);
        await expect(ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Dup', 'default')`, [org.id])).rejects.toThrow(/unique/);
        await ds.query(`INSERT INTO billing_periods (org_id, period_start, period_end, workflow_id) VALUES ($1, '2026-01-01', '2026-02-01', 'bp1')`, [org.id]);
        await expect(ds.query(`INSERT INTO billing_periods (org_id, period_start, period_end, workflow_id) VALUES ($1, '2026-01-01', '2026-02-01', 'bp2')`, [org.id])).rejects.toThrow(/unique/);
      } finally {
        await ds.destroy();
      }
    });
  });
});
