import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** Keys are scoped per organization and per route+method: the same key elsewhere is another key. */
export interface IdempotencyScope { orgId: string; method: string; route: string; key: string }

export interface StoredResponse { status: number; headers: Record<string, string>; body: Buffer }

export type ClaimOutcome =
  | { outcome: 'claimed'; claimId: string }
  | { outcome: 'reused' }
  | { outcome: 'running' }
  | { outcome: 'completed'; response: StoredResponse };

export interface IdempotencyPolicy {
  /** How long a key is remembered from its first request. */
  ttlSeconds: number;
  /** A claim this old whose request never finished (its process died) is taken over by the next same request. */
  claimTimeoutSeconds: number;
}

export const DEFAULT_IDEMPOTENCY_POLICY: IdempotencyPolicy = { ttlSeconds: 24 * 3600, claimTimeoutSeconds: 120 };

const keyHash = (key: string) => createHash('sha256').update('carbonplan idempotency key\0').update(key).digest();

/**
 * Stored responses are sealed with AES-256-GCM under a key derived from the client's Idempotency-Key, which we keep
 * only as a hash: the table alone does not reveal a replayable body (notably a new API key's secret, see
 * create-api-key). A low-entropy Idempotency-Key weakens only its own row, which is why the docs ask for a UUID.
 */
function sealingKey(scope: IdempotencyScope): Buffer {
  return Buffer.from(hkdfSync('sha256', scope.key, scope.orgId, `carbonplan idempotent response v1\0${scope.method}\0${scope.route}`, 32));
}

function seal(scope: IdempotencyScope, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(scope), iv);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

function unseal(scope: IdempotencyScope, stored: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(scope), stored.subarray(0, 12));
  decipher.setAuthTag(stored.subarray(12, 28));
  return Buffer.concat([decipher.update(stored.subarray(28)), decipher.final()]);
}

interface Row { fingerprint: Buffer; completed_at: Date | null; response_status: number | null; response_headers: Record<string, string> | null; response_body: Buffer | null }

/** The idempotency_keys table behind intention-revealing methods; no Express here. */
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource, private readonly policy: IdempotencyPolicy = DEFAULT_IDEMPOTENCY_POLICY) {}

  /**
   * Inserts the claim row, or takes over an expired row or an abandoned claim of the same request; otherwise reports
   * what the existing row says. The unique key makes two simultaneous first requests race on one row: one claims it.
   */
  async claim(scope: IdempotencyScope, fingerprint: Buffer): Promise<ClaimOutcome> {
    const pk = [scope.orgId, scope.method, scope.route, keyHash(scope.key)];
    // A row can vanish between the insert and the read (its request answered 5xx), hence the second round.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimId = randomUUID();
      const claimed: Array<{ claim_id: string }> = await this.dataSource.query(
        `INSERT INTO idempotency_keys AS k (org_id, method, route, key_hash, fingerprint, claim_id, locked_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, now(), now() + make_interval(secs => $7))
         ON CONFLICT (org_id, method, route, key_hash) DO UPDATE SET
           fingerprint = EXCLUDED.fingerprint, claim_id = EXCLUDED.claim_id, locked_at = EXCLUDED.locked_at, expires_at = EXCLUDED.expires_at,
           created_at = now(), completed_at = NULL, response_status = NULL, response_headers = NULL, response_body = NULL
         WHERE k.expires_at <= now()
            OR (k.completed_at IS NULL AND k.fingerprint = EXCLUDED.fingerprint AND k.locked_at < now() - make_interval(secs => $8))
         RETURNING claim_id`,
        [...pk, fingerprint, claimId, this.policy.ttlSeconds, this.policy.claimTimeoutSeconds],
      );
      if (claimed[0]?.claim_id === claimId) return { outcome: 'claimed', claimId };

      const [row]: Row[] = await this.dataSource.query(
        `SELECT fingerprint, completed_at, response_status, response_headers, response_body FROM idempotency_keys
         WHERE org_id = $1 AND method = $2 AND route = $3 AND key_hash = $4`,
        pk,
      );
      if (!row) continue;
      if (!row.fingerprint.equals(fingerprint)) return { outcome: 'reused' };
      if (!row.completed_at) return { outcome: 'running' };
      return { outcome: 'completed', response: { status: row.response_status!, headers: row.response_headers ?? {}, body: unseal(scope, row.response_body!) } };
    }
    return { outcome: 'running' };
  }

  /** Stores the answer of a claimed request; a claim taken over meanwhile (claim id changed) is left to its new owner. */
  async complete(scope: IdempotencyScope, claimId: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_keys SET completed_at = now(), response_status = $6, response_headers = $7, response_body = $8
       WHERE org_id = $1 AND method = $2 AND route = $3 AND key_hash = $4 AND claim_id = $5`,
      [scope.orgId, scope.method, scope.route, keyHash(scope.key), claimId, response.status, JSON.stringify(response.headers), seal(scope, response.body)],
    );
  }

  /** Forgets a claim whose request ended without a storable answer (5xx), so a retry runs again. */
  async release(scope: IdempotencyScope, claimId: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE org_id = $1 AND method = $2 AND route = $3 AND key_hash = $4 AND claim_id = $5 AND completed_at IS NULL`,
      [scope.orgId, scope.method, scope.route, keyHash(scope.key), claimId],
    );
  }

  /** Deletes rows past their 24 h (an expired row is also overwritten in place when its key comes back). */
  async deleteExpired(): Promise<number> {
    const [, affected]: [unknown, number] = await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at <= now()`);
    return affected;
  }
}
