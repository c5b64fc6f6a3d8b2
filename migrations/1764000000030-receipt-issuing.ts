import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Receipt issuing.
 *
 * `usage_event_revisions`: the earlier figures of a usage event, written by ingestion in the same transaction that
 * bumps the row's revision (or deletes a superseded row), so a receipt that signed revision n can be recomputed
 * digit for digit whatever happened to the row since. Append-only: UPDATE and DELETE are refused. No foreign keys:
 * the event row it came from may be gone.
 *
 * `receipt_snapshots` / `receipt_snapshot_events`: exactly which event revisions a receipt counted, keyed by the
 * receipt's stable key (`period:{billingPeriodId}`, `adjustment:{billingPeriodId}:{adjustedSerial}`); the first
 * snapshot of a key wins and neither table changes afterwards.
 *
 * `carbon_receipts` gains `receipt_key` (unique: a retried or concurrent issue finds the first receipt instead of
 * making a second) and `verify_code_sha256` (the public verify page's code, stored hashed). The signed columns
 * refuse updates; other columns (the PDF's) may still be filled in.
 */
export class ReceiptIssuing1764000000030 implements MigrationInterface {
  name = 'ReceiptIssuing1764000000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usage_event_revisions (
        event_id bigint NOT NULL,
        revision int NOT NULL,
        org_id uuid NOT NULL,
        connection_id uuid NOT NULL,
        project_id uuid NOT NULL,
        provider text NOT NULL,
        model text NOT NULL,
        bucket_start timestamptz NOT NULL,
        bucket_end timestamptz NOT NULL,
        grouping text NOT NULL,
        input_uncached bigint NOT NULL,
        input_cache_write bigint NOT NULL,
        input_cache_read bigint NOT NULL,
        output_tokens bigint NOT NULL,
        reasoning_tokens bigint NOT NULL,
        requests bigint,
        factor_version text NOT NULL,
        tier text NOT NULL,
        matched_rule text NOT NULL,
        energy_wh_central numeric NOT NULL,
        energy_wh_low numeric NOT NULL,
        energy_wh_high numeric NOT NULL,
        co2e_g_central numeric NOT NULL,
        co2e_g_low numeric NOT NULL,
        co2e_g_high numeric NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, revision)
      );
      CREATE TRIGGER usage_event_revisions_append_only BEFORE UPDATE OR DELETE ON usage_event_revisions
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();

      CREATE TABLE receipt_snapshots (
        receipt_key text PRIMARY KEY CHECK (length(receipt_key) BETWEEN 1 AND 200),
        org_id uuid NOT NULL,
        events int NOT NULL CHECK (events >= 0),
        taken_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE receipt_snapshot_events (
        receipt_key text NOT NULL REFERENCES receipt_snapshots(receipt_key) ON DELETE RESTRICT,
        event_id bigint NOT NULL,
        revision int NOT NULL CHECK (revision >= 1),
        PRIMARY KEY (receipt_key, event_id)
      );
      CREATE TRIGGER receipt_snapshots_immutable BEFORE UPDATE OR DELETE ON receipt_snapshots
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER receipt_snapshot_events_immutable BEFORE UPDATE OR DELETE ON receipt_snapshot_events
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();

      ALTER TABLE carbon_receipts
        ADD COLUMN receipt_key text,
        ADD COLUMN verify_code_sha256 text CHECK (verify_code_sha256 ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT carbon_receipts_receipt_key_key UNIQUE (receipt_key);
      CREATE INDEX carbon_receipts_org_newest_idx ON carbon_receipts (org_id, issued_at DESC, id DESC);
      CREATE INDEX carbon_receipts_adjusts_idx ON carbon_receipts (adjusts_receipt_id) WHERE adjusts_receipt_id IS NOT NULL;
      CREATE TRIGGER carbon_receipts_signed_immutable
        BEFORE UPDATE OF serial, org_id, billing_period_id, kind, adjusts_receipt_id, payload, payload_sha256, signature, key_id, issued_at, receipt_key, verify_code_sha256
        ON carbon_receipts FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
      CREATE TRIGGER carbon_receipts_no_delete BEFORE DELETE ON carbon_receipts
        FOR EACH ROW EXECUTE FUNCTION carbonplan_refuse_change();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER carbon_receipts_no_delete ON carbon_receipts;
      DROP TRIGGER carbon_receipts_signed_immutable ON carbon_receipts;
      DROP INDEX carbon_receipts_adjusts_idx;
      DROP INDEX carbon_receipts_org_newest_idx;
      ALTER TABLE carbon_receipts DROP CONSTRAINT carbon_receipts_receipt_key_key, DROP COLUMN verify_code_sha256, DROP COLUMN receipt_key;
      DROP TABLE receipt_snapshot_events, receipt_snapshots, usage_event_revisions;
    `);
  }
}
