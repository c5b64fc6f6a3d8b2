import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing keys get a purpose (receipt keys sign receipts, the log key signs checkpoints) and a lifecycle: a key is
 * active while neither retired_at (rotation: what it signed stays valid) nor revoked_at (compromise: what it signed
 * from then on is invalid) is set. At most one active key per purpose, enforced by a unique partial index, so two
 * workers starting at once cannot both create one. revoked_reason says why, for the public key list.
 */
export class SigningKeyLifecycle1764000000022 implements MigrationInterface {
  name = 'SigningKeyLifecycle1764000000022';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE signing_keys
        ADD COLUMN purpose text NOT NULL DEFAULT 'receipt',
        ADD COLUMN revoked_reason text,
        ADD CONSTRAINT signing_keys_purpose CHECK (purpose IN ('receipt', 'log')),
        ADD CONSTRAINT signing_keys_public_key_raw CHECK (public_key ~ '^[A-Za-z0-9_-]{43}$'),
        ADD CONSTRAINT signing_keys_retired_after_created CHECK (retired_at IS NULL OR retired_at >= created_at),
        ADD CONSTRAINT signing_keys_revocation_reason CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL));
      ALTER TABLE signing_keys ALTER COLUMN purpose DROP DEFAULT;
      CREATE UNIQUE INDEX signing_keys_one_active_per_purpose ON signing_keys (purpose) WHERE retired_at IS NULL AND revoked_at IS NULL;
      CREATE UNIQUE INDEX signing_keys_public_key_unique ON signing_keys (public_key);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX signing_keys_public_key_unique;
      DROP INDEX signing_keys_one_active_per_purpose;
      ALTER TABLE signing_keys
        DROP CONSTRAINT signing_keys_revocation_reason,
        DROP CONSTRAINT signing_keys_retired_after_created,
        DROP CONSTRAINT signing_keys_public_key_raw,
        DROP CONSTRAINT signing_keys_purpose,
        DROP COLUMN revoked_reason,
        DROP COLUMN purpose;
    `);
  }
}
