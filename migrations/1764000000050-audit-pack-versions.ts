import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit packs are versioned: one row per (organization, month, version). A pack is built again only when what it
 * depends on changed (the inputs fingerprint `inputs_sha256`), as the next version; earlier versions stay stored and
 * listed. `events` and `receipts` count what the pack holds; `factor_versions` names the factor sets it carries;
 * `key_id` is the receipt key that signed its manifest.
 *
 * Rows made before this migration become version 1 with an all-zero fingerprint, which no real inputs hash to, so
 * the next build of their month makes version 2 instead of trusting a pack whose inputs were never recorded.
 */
export class AuditPackVersions1764000000050 implements MigrationInterface {
  name = 'AuditPackVersions1764000000050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_packs
        ADD COLUMN version int NOT NULL DEFAULT 1,
        ADD COLUMN inputs_sha256 text NOT NULL DEFAULT repeat('0', 64),
        ADD COLUMN events bigint NOT NULL DEFAULT 0,
        ADD COLUMN receipts int NOT NULL DEFAULT 0,
        ADD COLUMN factor_versions text[] NOT NULL DEFAULT '{}',
        ADD COLUMN key_id text;
      ALTER TABLE audit_packs
        ALTER COLUMN version DROP DEFAULT,
        ALTER COLUMN inputs_sha256 DROP DEFAULT,
        ALTER COLUMN events DROP DEFAULT,
        ALTER COLUMN receipts DROP DEFAULT,
        ALTER COLUMN factor_versions DROP DEFAULT,
        ADD CONSTRAINT audit_packs_version_positive CHECK (version >= 1),
        ADD CONSTRAINT audit_packs_inputs_sha256_hex CHECK (inputs_sha256 ~ '^[0-9a-f]{64}$'),
        ADD CONSTRAINT audit_packs_counts CHECK (events >= 0 AND receipts >= 0),
        ADD CONSTRAINT audit_packs_month_first_day CHECK (month = date_trunc('month', month)::date),
        DROP CONSTRAINT audit_packs_org_month_key,
        -- Also serves "the newest version of this month" (a backward scan on the last column).
        ADD CONSTRAINT audit_packs_org_month_version_key UNIQUE (org_id, month, version);
      -- The API lists an organization's packs newest first, in keyset pages.
      CREATE INDEX audit_packs_org_newest_idx ON audit_packs (org_id, created_at DESC, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX audit_packs_org_newest_idx;
      -- One pack per month again: only the newest version of each survives.
      DELETE FROM audit_packs a USING audit_packs b
        WHERE a.org_id = b.org_id AND a.month = b.month AND a.version < b.version;
      ALTER TABLE audit_packs
        DROP CONSTRAINT audit_packs_org_month_version_key,
        DROP CONSTRAINT audit_packs_month_first_day,
        DROP CONSTRAINT audit_packs_counts,
        DROP CONSTRAINT audit_packs_inputs_sha256_hex,
        DROP CONSTRAINT audit_packs_version_positive,
        DROP COLUMN key_id,
        DROP COLUMN factor_versions,
        DROP COLUMN receipts,
        DROP COLUMN events,
        DROP COLUMN inputs_sha256,
        DROP COLUMN version,
        ADD CONSTRAINT audit_packs_org_month_key UNIQUE (org_id, month);
    `);
  }
}
