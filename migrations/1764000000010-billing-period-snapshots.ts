import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Billing-period workflows write their results here. `receipt_due_at` is period end + RECEIPT_GRACE_SECONDS,
 * when the totals are taken; `snapshot` holds those totals (exact decimal strings, jsonb) and `finalized_at` when
 * they were taken: a closed period always has them. Stripe events remember what they were about (`object_id`:
 * the invoice or subscription) and what came of them (`outcome`), so a late or duplicated payment of a closed
 * period is on record though it changed nothing.
 */
export class BillingPeriodSnapshots1764000000010 implements MigrationInterface {
  name = 'BillingPeriodSnapshots1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE billing_periods
        ADD COLUMN receipt_due_at timestamptz,
        ADD COLUMN snapshot jsonb,
        ADD COLUMN finalized_at timestamptz,
        ADD CONSTRAINT billing_periods_closed_has_snapshot CHECK (status <> 'closed' OR (snapshot IS NOT NULL AND finalized_at IS NOT NULL));
      ALTER TABLE stripe_events
        ADD COLUMN object_id text,
        ADD COLUMN outcome text;
      CREATE INDEX stripe_events_object_idx ON stripe_events (object_id, type) WHERE object_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX stripe_events_object_idx;
      ALTER TABLE stripe_events DROP COLUMN outcome, DROP COLUMN object_id;
      ALTER TABLE billing_periods DROP CONSTRAINT billing_periods_closed_has_snapshot,
        DROP COLUMN finalized_at, DROP COLUMN snapshot, DROP COLUMN receipt_due_at;
    `);
  }
}
