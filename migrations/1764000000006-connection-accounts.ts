import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The provider account behind each connection (Anthropic's organization id, where a provider tells us), so two
 * keys of one account can never be live at once in one organization: each would poll, and count, the same usage.
 * A partial unique index closes the race of two simultaneous creates; deleted connections keep their account so
 * reconnecting restores them. Connections made before this have no account until their key is next validated.
 */
export class ConnectionAccounts1764000000006 implements MigrationInterface {
  name = 'ConnectionAccounts1764000000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE provider_connections ADD COLUMN provider_account_id text, ADD COLUMN provider_account_name text;
      CREATE UNIQUE INDEX provider_connections_one_per_account ON provider_connections (org_id, provider, provider_account_id)
        WHERE status <> 'deleted' AND provider_account_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX provider_connections_one_per_account;
      ALTER TABLE provider_connections DROP COLUMN provider_account_id, DROP COLUMN provider_account_name;
    `);
  }
}
