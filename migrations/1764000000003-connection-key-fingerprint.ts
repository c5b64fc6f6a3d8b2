import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fingerprint (SHA-256) of each connection's provider key, so the same key cannot be connected twice in one
 * organization: a client retrying a create whose response it lost would otherwise start a second poller and
 * count the same usage twice. Never the key itself, which stays in the secret store.
 */
export class ConnectionKeyFingerprint1764000000003 implements MigrationInterface {
  name = 'ConnectionKeyFingerprint1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE provider_connections ADD COLUMN key_fingerprint text;
      CREATE UNIQUE INDEX provider_connections_one_per_key ON provider_connections (org_id, provider, key_fingerprint)
        WHERE status <> 'deleted' AND key_fingerprint IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX provider_connections_one_per_key; ALTER TABLE provider_connections DROP COLUMN key_fingerprint;`);
  }
}
