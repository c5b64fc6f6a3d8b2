import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys may expire: past `expires_at` a key is refused with 401, like a revoked one. Existing keys never expire.
 * `created_by` already exists; from now on only an org:admin session creates keys, so it holds that admin's Clerk
 * user id. Keys created earlier through another API key hold that key's id, which is kept as history.
 */
export class ApiKeyExpiry1764000000007 implements MigrationInterface {
  name = 'ApiKeyExpiry1764000000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys ADD COLUMN expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_keys DROP COLUMN expires_at`);
  }
}
