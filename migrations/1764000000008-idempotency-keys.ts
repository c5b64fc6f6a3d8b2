import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key records for POST routes. One row per (organization, method, route, key hash): inserting it is the
 * claim, so of two simultaneous first requests only one runs. `completed_at` null means the first request is still
 * running (a claim older than a bound is taken over); the stored response is sealed with a key derived from the
 * client's Idempotency-Key, which is kept only as a hash. Rows live 24 h; `expires_at` is indexed for the cleanup.
 */
export class IdempotencyKeys1764000000008 implements MigrationInterface {
  name = 'IdempotencyKeys1764000000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        method text NOT NULL,
        route text NOT NULL,
        key_hash bytea NOT NULL,
        fingerprint bytea NOT NULL,
        claim_id uuid NOT NULL,
        locked_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        response_status smallint,
        response_headers jsonb,
        response_body bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (org_id, method, route, key_hash),
        CONSTRAINT idempotency_keys_completed_has_response CHECK ((completed_at IS NULL) = (response_status IS NULL))
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
