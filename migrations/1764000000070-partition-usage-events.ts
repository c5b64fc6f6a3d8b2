import type { MigrationInterface, QueryRunner } from 'typeorm';

/** First days (UTC, `YYYY-MM-01`) of the months from `months` before the current one to `months` after it. */
const MONTHS_AROUND_NOW = (before: number, after: number) => `
  SELECT to_char(m, 'YYYY-MM-DD') AS month FROM generate_series(
    date_trunc('month', now() AT TIME ZONE 'UTC') - interval '${before} months',
    date_trunc('month', now() AT TIME ZONE 'UTC') + interval '${after} months', interval '1 month') AS m`;

const FOREIGN_KEYS = `
  ADD CONSTRAINT usage_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE,
  ADD CONSTRAINT usage_events_connection_id_fkey FOREIGN KEY (connection_id) REFERENCES provider_connections(id) ON DELETE CASCADE,
  ADD CONSTRAINT usage_events_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects(id) ON DELETE RESTRICT,
  ADD CONSTRAINT usage_events_factor_version_fkey FOREIGN KEY (factor_version) REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT`;

/** The indexes of migrations 1764000000000 and 1764000000009, and the dependency statistics of the latter. */
const INDEXES = `
  CREATE INDEX usage_events_org_time_idx ON usage_events (org_id, bucket_start, id);
  CREATE INDEX usage_events_connection_time_idx ON usage_events (connection_id, bucket_start, id);
  CREATE INDEX usage_events_project_time_idx ON usage_events (project_id, bucket_start, id);
  CREATE INDEX usage_events_org_model_time_idx ON usage_events (org_id, model, bucket_start, id);
  CREATE STATISTICS usage_events_tenant_keys_stats (dependencies) ON org_id, project_id, connection_id FROM usage_events;`;

/** Moves every row of usage_events into `target` (same columns, same order), keeping ids and the sequence's position. */
async function copyInto(q: QueryRunner, target: string): Promise<void> {
  await q.query(`INSERT INTO ${target} OVERRIDING SYSTEM VALUE SELECT * FROM usage_events`);
  await q.query(`SELECT setval(pg_get_serial_sequence('${target}', 'id'), s.last_value, s.is_called) FROM usage_events_id_seq s`);
  await q.query(`DROP TABLE usage_events`);
  await q.query(`ALTER TABLE ${target} RENAME TO usage_events`);
  await q.query(`ALTER SEQUENCE ${target}_id_seq RENAME TO usage_events_id_seq`);
}

/**
 * `usage_events` becomes range-partitioned by month of `bucket_start` (UTC), so vacuum, retention and index size
 * work per month. A partitioned table's unique keys must contain the partition key: the primary key is
 * (id, bucket_start), id still a bigint identity whose sequence keeps its position, and the idempotency key is
 * unique with the bucket start (the key hashes the bucket start, so this is the same rule as before).
 *
 * The primary key leads with id, not bucket_start: an index on (bucket_start, id) serves `ORDER BY bucket_start, id`
 * over every tenant, and the planner took it over the tenant-leading indexes for the events list and export,
 * reading other organizations' rows to skip them (seen in test/integration/db/query-plans). Led by id, inserts
 * stay at the right edge of the index, and a lookup by (bucket_start, id) is as direct either way.
 *
 * Tables that name an event: `event_emissions` gains `bucket_start` and references (bucket_start, id), cascading as
 * before; its primary key leads with the same two columns (id first), so that one index serves the cascade. `receipt_snapshot_events` has no foreign key on purpose (the signed event may be gone, its revision
 * archived) but gains `bucket_start` too, so a snapshot is read back by the primary key, one partition per event,
 * instead of probing every month's index for an id; it is filled from the live row or the archived revision (the
 * append-only trigger is off for that one statement, as seeding does for factor sets).
 *
 * Partitions: one per month that holds rows, plus the two months before and three after the current one; the
 * worker creates months ahead from then on (ensureUsagePartitions). A DEFAULT partition catches a bucket in any
 * month without its own, and ensureUsagePartitions moves such rows out when it creates their month.
 *
 * The rows are copied into the new table, the old one is dropped and the new one renamed: one transaction,
 * writers wait for it (minutes on a large table; run it in a maintenance window).
 */
export class PartitionUsageEvents1764000000070 implements MigrationInterface {
  name = 'PartitionUsageEvents1764000000070';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE receipt_snapshot_events ADD COLUMN bucket_start timestamptz;
      ALTER TABLE receipt_snapshot_events DISABLE TRIGGER receipt_snapshot_events_immutable;
      UPDATE receipt_snapshot_events s SET bucket_start = coalesce(
        (SELECT e.bucket_start FROM usage_events e WHERE e.id = s.event_id),
        (SELECT v.bucket_start FROM usage_event_revisions v WHERE v.event_id = s.event_id AND v.revision = s.revision));
      ALTER TABLE receipt_snapshot_events ENABLE TRIGGER receipt_snapshot_events_immutable;
      ALTER TABLE receipt_snapshot_events ALTER COLUMN bucket_start SET NOT NULL;

      ALTER TABLE event_emissions DROP CONSTRAINT event_emissions_event_id_fkey, ADD COLUMN bucket_start timestamptz;
      UPDATE event_emissions m SET bucket_start = e.bucket_start FROM usage_events e WHERE e.id = m.event_id;
      ALTER TABLE event_emissions ALTER COLUMN bucket_start SET NOT NULL, DROP CONSTRAINT event_emissions_pkey,
        ADD CONSTRAINT event_emissions_pkey PRIMARY KEY (event_id, bucket_start, factor_version);

      CREATE TABLE usage_events_partitioned (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)
        PARTITION BY RANGE (bucket_start);
      CREATE TABLE usage_events_default PARTITION OF usage_events_partitioned DEFAULT;
    `);
    const months: Array<{ month: string }> = await q.query(`
      SELECT to_char(date_trunc('month', bucket_start AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS month FROM usage_events
      UNION ${MONTHS_AROUND_NOW(2, 3)} ORDER BY month`);
    for (const { month } of months) {
      const name = `usage_events_p${month.slice(0, 4)}_${month.slice(5, 7)}`;
      await q.query(`CREATE TABLE ${name} PARTITION OF usage_events_partitioned
        FOR VALUES FROM ('${month} 00:00:00+00') TO (('${month}'::date + interval '1 month')::timestamp AT TIME ZONE 'UTC')`);
      await q.query(`CREATE STATISTICS ${name}_tenant_keys_stats (dependencies) ON org_id, project_id, connection_id FROM ${name}`);
    }
    await copyInto(q, 'usage_events_partitioned');
    await q.query(`
      ALTER TABLE usage_events
        ADD CONSTRAINT usage_events_pkey PRIMARY KEY (id, bucket_start),
        ADD CONSTRAINT usage_events_idempotency_key_key UNIQUE (idempotency_key, bucket_start),
        ${FOREIGN_KEYS};
      ${INDEXES}
      ALTER TABLE event_emissions ADD CONSTRAINT event_emissions_event_fkey
        FOREIGN KEY (bucket_start, event_id) REFERENCES usage_events (bucket_start, id) ON DELETE CASCADE;
      ANALYZE usage_events;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE event_emissions DROP CONSTRAINT event_emissions_event_fkey, DROP CONSTRAINT event_emissions_pkey, DROP COLUMN bucket_start,
        ADD CONSTRAINT event_emissions_pkey PRIMARY KEY (event_id, factor_version);
      ALTER TABLE receipt_snapshot_events DROP COLUMN bucket_start;
      CREATE TABLE usage_events_unpartitioned (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY);
    `);
    await copyInto(q, 'usage_events_unpartitioned');
    await q.query(`
      ALTER TABLE usage_events
        ADD CONSTRAINT usage_events_pkey PRIMARY KEY (id),
        ADD CONSTRAINT usage_events_idempotency_key_key UNIQUE (idempotency_key),
        ${FOREIGN_KEYS};
      ${INDEXES}
      ALTER TABLE event_emissions ADD CONSTRAINT event_emissions_event_id_fkey FOREIGN KEY (event_id) REFERENCES usage_events(id) ON DELETE CASCADE;
      ANALYZE usage_events;
    `);
  }
}
