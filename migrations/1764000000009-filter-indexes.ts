import type { MigrationInterface, QueryRunner } from 'typeorm';

interface IndexSpec { name: string; definition: string }

/**
 * Usage events filtered by connection and project are read by indexes that lead with the foreign key. A
 * connection or project id belongs to one organization (resolveFilters checks it), so `org_id` in front adds no
 * selectivity, and one index then serves both the filter (equality, bucket_start range, the (bucket_start, id)
 * order and keyset) and the foreign-key checks of a project or connection delete, which otherwise scanned every
 * tenant's events. The `org_id = $1` condition stays in every query as a filter. The legacy OpenRouter lookup
 * (connection, bucket start, model, grouping) had no index at all and now uses the connection one.
 */
const CREATED: IndexSpec[] = [
  { name: 'usage_events_connection_time_idx', definition: 'usage_events (connection_id, bucket_start, id)' },
  { name: 'usage_events_project_time_idx', definition: 'usage_events (project_id, bucket_start, id)' },
  // Model is not a key: it is filtered within one organization. A provider filter rides along as a filter.
  { name: 'usage_events_org_model_time_idx', definition: 'usage_events (org_id, model, bucket_start, id)' },
  // Replace (org_id, project_id, day) and (org_id, connection_id, day): same reads, and they serve the FKs.
  { name: 'usage_rollups_project_day_idx', definition: 'usage_rollups (project_id, day)' },
  { name: 'usage_rollups_connection_day_idx', definition: 'usage_rollups (connection_id, day)' },
  // The partial (WHERE status <> 'deleted') index cannot serve the FK check, which has no status condition.
  { name: 'provider_connections_project_id_idx', definition: 'provider_connections (project_id)' },
  // RESTRICT foreign keys of receipts; the partial unique index on billing_period_id covers only kind = 'period'.
  { name: 'carbon_receipts_billing_period_idx', definition: 'carbon_receipts (billing_period_id)' },
  { name: 'carbon_receipts_adjusts_receipt_idx', definition: 'carbon_receipts (adjusts_receipt_id)' },
  { name: 'carbon_receipts_key_idx', definition: 'carbon_receipts (key_id)' },
];

/**
 * Dropped, with what they were and why nothing needs them (every query of src/ was read for this):
 * - usage_rollups_org_day_idx: organization-wide rollup reads go to usage_rollups_org; usage_rollups is read
 *   only with a project or connection (the summary and models filters, the project delete check).
 * - the two (org_id, …, day) rollup indexes and the partial provider_connections index: replaced above.
 * Unique indexes stay: they back constraints and ON CONFLICT targets.
 */
const DROPPED: IndexSpec[] = [
  { name: 'usage_rollups_org_day_idx', definition: 'usage_rollups (org_id, day)' },
  { name: 'usage_rollups_org_project_day_idx', definition: 'usage_rollups (org_id, project_id, day)' },
  { name: 'usage_rollups_org_connection_day_idx', definition: 'usage_rollups (org_id, connection_id, day)' },
  { name: 'provider_connections_project_idx', definition: `provider_connections (project_id) WHERE status <> 'deleted'` },
];

/**
 * A project or connection id names one organization, but the planner multiplies the selectivities of `org_id = $1`
 * and `project_id = $4` as if they were independent, underestimating a filtered read by the number of
 * organizations, and picks indexes on that guess. Functional-dependency statistics tell it otherwise.
 */
const STATISTICS: IndexSpec[] = [
  { name: 'usage_events_tenant_keys_stats', definition: 'org_id, project_id, connection_id FROM usage_events' },
  { name: 'usage_rollups_tenant_keys_stats', definition: 'org_id, project_id, connection_id FROM usage_rollups' },
];

/**
 * Indexes for every events/export filter and a leading index for every foreign key that cascades or restricts
 * (factor_version keys excepted: carbon_factor_sets refuses UPDATE and DELETE, so their checks never run).
 *
 * Built CONCURRENTLY, outside a transaction (`transaction = false`, honoured by TypeORM's 'each' mode), so
 * ingestion keeps writing to a large usage_events while they build. Each statement runs alone (CONCURRENTLY
 * refuses a transaction block, which a multi-statement query is). A failed build leaves an INVALID index under
 * its name, and the migration stays unapplied; re-running drops such a leftover first, so it is safe to retry.
 * New indexes are built before the old ones go, so no filter is ever without one. `down` runs in the
 * transaction TypeORM always opens for a revert, so it uses plain statements.
 */
export class FilterIndexes1764000000009 implements MigrationInterface {
  name = 'FilterIndexes1764000000009';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    for (const index of CREATED) {
      const [existing]: Array<{ valid: boolean }> = await q.query(
        `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND n.nspname = current_schema()`, [index.name]);
      if (existing?.valid) continue;
      if (existing) await q.query(`DROP INDEX CONCURRENTLY ${index.name}`);
      await q.query(`CREATE INDEX CONCURRENTLY ${index.name} ON ${index.definition}`);
    }
    for (const index of DROPPED) await q.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index.name}`);
    for (const stats of STATISTICS) await q.query(`CREATE STATISTICS IF NOT EXISTS ${stats.name} (dependencies) ON ${stats.definition}`);
    // Until the next autovacuum ANALYZE the new statistics are empty; a plain ANALYZE takes no blocking lock.
    await q.query(`ANALYZE usage_events, usage_rollups`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const stats of STATISTICS) await q.query(`DROP STATISTICS ${stats.name}`);
    for (const index of DROPPED) await q.query(`CREATE INDEX ${index.name} ON ${index.definition}`);
    for (const index of CREATED) await q.query(`DROP INDEX ${index.name}`);
  }
}
