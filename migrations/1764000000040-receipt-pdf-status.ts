import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The receipt PDF's status, filled in after issuing by its own activity (never part of what was signed):
 * `pending` until rendered; `rendered` with `pdf_object_key` (a storage key, never a local path) and
 * `pdf_rendered_at`; `skipped` when this worker has no browser (`pdf_error` names it; a later run with one renders
 * it); `failed` after an attempt threw (`pdf_error` holds the reason, the activity retries).
 */
export class ReceiptPdfStatus1764000000040 implements MigrationInterface {
  name = 'ReceiptPdfStatus1764000000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE carbon_receipts
        ADD COLUMN pdf_status text NOT NULL DEFAULT 'pending',
        ADD COLUMN pdf_error text,
        ADD COLUMN pdf_rendered_at timestamptz;
      -- Rows that already name an object were rendered before this column existed: keep them served.
      UPDATE carbon_receipts SET pdf_status = 'rendered', pdf_rendered_at = issued_at WHERE pdf_object_key IS NOT NULL;
      ALTER TABLE carbon_receipts
        ADD CONSTRAINT carbon_receipts_pdf_status CHECK (pdf_status IN ('pending', 'rendered', 'skipped', 'failed')),
        ADD CONSTRAINT carbon_receipts_pdf_rendered CHECK ((pdf_status = 'rendered') = (pdf_object_key IS NOT NULL AND pdf_rendered_at IS NOT NULL));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE carbon_receipts
        DROP CONSTRAINT carbon_receipts_pdf_rendered,
        DROP CONSTRAINT carbon_receipts_pdf_status,
        DROP COLUMN pdf_rendered_at,
        DROP COLUMN pdf_error,
        DROP COLUMN pdf_status;
    `);
  }
}
