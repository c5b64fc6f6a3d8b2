import { hash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';
import { usageIdempotencyKey } from '../../../src/services/telemetry/idempotency-key';
import { createConnectionRow, createTenant } from '../../factories/tenants';

const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;
const MIGRATION = 'BucketStartIdentity1764000000004';

/** The key as it was before the migration: connection, model, start, END, grouping. */
const oldKey = (connectionId: string, model: string, start: string, end: string, grouping = '') =>
  hash('sha256', `${connectionId}\u0000${model}\u0000${new Date(start).toISOString()}\u0000${new Date(end).toISOString()}\u0000${grouping}`, 'buffer');

async function withDatabaseBefore(migration: string, run: (ds: DataSource) => Promise<void>): Promise<void> {
  const name = `carbonplan_bucket_start_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const ds = await createDataSource({ url: url.toString(), poolSize: 2 }).initialize();
  try {
    await migrateUp(ds);
    // Undo down to (and including) `migration`, so the database looks as it did before it shipped.
    for (;;) {
      const [last] = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`);
      await ds.undoLastMigration({ transaction: 'each' });
      if (last.name === migration) break;
    }
    await run(ds);
  } finally {
    await ds.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

/** An event row written the way the old ingestion wrote it, with its rollup contribution. */
async function insertOldEvent(ds: DataSource, c: { id: string; orgId: string; projectId: string }, row: { model: string; start: string; end: string; input: number; updatedAt: string }) {
  const day = row.start.slice(0, 10);
  await ds.query(
    `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, input_uncached, output_tokens, requests,
       idempotency_key, updated_at, factor_version, tier, matched_rule, energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
     VALUES ($1, $2, $3, 'openai', $4, $5, $6, $7, 10, 1, $8, $9, '1.0', 'large', 'gpt-4o*', 1, 1, 1, 1, 1, 1)`,
    [c.orgId, c.id, c.projectId, row.model, row.start, row.end, row.input, oldKey(c.id, row.model, row.start, row.end), row.updatedAt]);
  for (const [table, keyColumns, keyValues] of [
    ['usage_rollups', 'org_id, project_id, connection_id, provider, model, day, factor_version', [c.orgId, c.projectId, c.id, 'openai', row.model, day, '1.0']],
    ['usage_rollups_org', 'org_id, provider, model, day, factor_version', [c.orgId, 'openai', row.model, day, '1.0']],
  ] as const) {
    const params = keyValues.map((_, i) => `$${i + 1}`).join(', ');
    const n = keyValues.length;
    await ds.query(
      `INSERT INTO ${table} (${keyColumns}, input_uncached, output_tokens, requests, event_count, energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
       VALUES (${params}, $${n + 1}, 10, 1, 1, 1, 1, 1, 1, 1, 1)
       ON CONFLICT ${table === 'usage_rollups' ? 'ON CONSTRAINT usage_rollups_key' : '(org_id, day, provider, model, factor_version)'}
       DO UPDATE SET input_uncached = ${table}.input_uncached + EXCLUDED.input_uncached, output_tokens = ${table}.output_tokens + 10,
         requests = ${table}.requests + 1, event_count = ${table}.event_count + 1`,
      [...keyValues, row.input]);
  }
}

describe(`migration ${MIGRATION}`, () => {
  it('merges the rows the old key split for one bucket (newest reading wins), rekeys them and rebuilds the rollups', async () => {
    await withDatabaseBefore(MIGRATION, async (ds) => {
      const conn = await createConnectionRow(ds, await createTenant(ds));
      // Polls at 10:37 and 11:05 of the 10:00 hour, and one complete 11:00 hour.
      await insertOldEvent(ds, conn, { model: 'gpt-4o', start: '2026-11-02T10:00:00Z', end: '2026-11-02T10:37:00Z', input: 100, updatedAt: '2026-11-02T10:37:05Z' });
      await insertOldEvent(ds, conn, { model: 'gpt-4o', start: '2026-11-02T10:00:00Z', end: '2026-11-02T11:00:00Z', input: 300, updatedAt: '2026-11-02T11:05:05Z' });
      await insertOldEvent(ds, conn, { model: 'gpt-4o', start: '2026-11-02T11:00:00Z', end: '2026-11-02T12:00:00Z', input: 50, updatedAt: '2026-11-02T12:05:05Z' });
      const [before] = await ds.query(`SELECT sum(input_uncached)::int AS input, sum(event_count)::int AS events FROM usage_rollups WHERE connection_id = $1`, [conn.id]);
      expect(before).toEqual({ input: 450, events: 3 }); // the double count the migration repairs

      await migrateUp(ds);

      const rows = await ds.query(
        `SELECT bucket_start, bucket_end, input_uncached::int AS input, encode(idempotency_key, 'hex') AS key FROM usage_events WHERE connection_id = $1 ORDER BY bucket_start`, [conn.id]);
      expect(rows.map((r: { bucket_end: Date; input: number }) => [r.bucket_end.toISOString(), r.input])).toEqual([['2026-11-02T11:00:00.000Z', 300], ['2026-11-02T12:00:00.000Z', 50]]);
      for (const r of rows) {
        expect(r.key).toBe(usageIdempotencyKey({ provider: 'openai', connectionId: conn.id, model: 'gpt-4o', bucketStart: r.bucket_start, grouping: '' }).toString('hex'));
      }
      for (const table of ['usage_rollups', 'usage_rollups_org']) {
        const [after] = await ds.query(`SELECT sum(input_uncached)::int AS input, sum(event_count)::int AS events FROM ${table} WHERE org_id = $1`, [conn.orgId]);
        expect({ table, ...after }).toEqual({ table, input: 350, events: 2 });
      }
    });
  });

  it('computes in SQL the same key as ingestion, for groupings and models with any characters', async () => {
    await withDatabaseBefore(MIGRATION, async (ds) => {
      const conn = await createConnectionRow(ds, await createTenant(ds), 'anthropic');
      const model = `claude-sonnet-4 ü/${randomUUID()}`;
      const grouping = 'api_key_id=k%201&workspace_id=w%C3%BC';
      await ds.query(
        `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping, idempotency_key, factor_version, tier, matched_rule,
           energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
         VALUES ($1, $2, $3, 'anthropic', $4, '2026-11-02T23:00:00.000Z', '2026-11-03T00:00:00Z', $5, '\\x00', '1.0', 'large', '*', 0, 0, 0, 0, 0, 0)`,
        [conn.orgId, conn.id, conn.projectId, model, grouping]);
      await migrateUp(ds);
      const [{ key }] = await ds.query(`SELECT encode(idempotency_key, 'hex') AS key FROM usage_events WHERE connection_id = $1`, [conn.id]);
      expect(key).toBe(usageIdempotencyKey({ provider: 'anthropic', connectionId: conn.id, model, bucketStart: new Date('2026-11-02T23:00:00Z'), grouping }).toString('hex'));
    });
  });
});
