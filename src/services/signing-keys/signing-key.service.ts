import { createHash, hkdfSync } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { PublicSigningKey, SigningKeyPurpose } from '../../../contracts/signing-keys';
import { SigningKeyEntity } from '../../db/entities/signing-key.entity';
import { assertValidRef, SecretNotFoundError, type SecretStore } from '../../integrations/secrets/secret-store';
import { generateKeyPair, keyPairFromSeed, payloadDigest, signBytes } from '../../receipts/ed25519';
import { formatVerifierKey, type LogSigner } from '../../transparency-log/checkpoint';

export interface SigningKeyInfo {
  keyId: string;
  purpose: SigningKeyPurpose;
  /** Raw 32 bytes. */
  publicKey: Uint8Array;
  createdAt: Date;
  retiredAt: Date | null;
  revokedAt: Date | null;
}

export interface SignedBytes {
  keyId: string;
  signature: Uint8Array;
}

export interface SignedReceiptPayload<P> {
  payload: P;
  keyId: string;
  canonical: string;
  payloadSha256: string;
  /** base64url */
  signature: string;
}

export interface SigningKeyServiceOptions {
  dataSource: DataSource;
  secrets: SecretStore;
  /** The secret-store prefix (SECRETS_PREFIX); keys live under `<prefix>/signing-keys/<purpose>/<kid>/seed`. */
  prefix: string;
  /** The log key's signed-note name, to publish its C2SP verifier key beside its JWK. */
  logKeyName?: string;
  now?: () => Date;
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** RFC 7638 thumbprint of an Ed25519 OKP key: SHA-256 of `{"crv":"Ed25519","kty":"OKP","x":"…"}`, base64url. */
export function jwkThumbprint(publicKey: Uint8Array): string {
  const x = Buffer.from(publicKey).toString('base64url');
  return createHash('sha256').update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`, 'utf8').digest('base64url');
}

const ACTIVE = 'k.retired_at IS NULL AND k.revoked_at IS NULL';

function toInfo(row: SigningKeyEntity): SigningKeyInfo {
  return {
    keyId: row.keyId, purpose: row.purpose, publicKey: Buffer.from(row.publicKey, 'base64url'),
    createdAt: row.createdAt, retiredAt: row.retiredAt, revokedAt: row.revokedAt,
  };
}

/**
 * Ed25519 signing keys for receipts and the public log: private halves (32-byte seeds) in the secret store, public
 * halves in `signing_keys`. One active key per purpose; the first use creates it (safe under racing processes:
 * the unique partial index picks one winner, the loser deletes its secret and uses the winner's key).
 */
export class SigningKeyService {
  private readonly secretKeys = new Map<string, Uint8Array>();
  private readonly now: () => Date;

  constructor(private readonly options: SigningKeyServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  secretRef(purpose: SigningKeyPurpose, keyId: string): string {
    const ref = `${this.options.prefix}/signing-keys/${purpose}/${keyId}/seed`;
    assertValidRef(ref);
    return ref;
  }

  /** The active key of `purpose`, created when there is none. */
  async activeKey(purpose: SigningKeyPurpose): Promise<SigningKeyInfo> {
    return (await this.findActive(this.options.dataSource.manager, purpose)) ?? this.createFirstKey(purpose);
  }

  /** Signs `message` with the active key of `purpose` and says which key it was. */
  async sign(purpose: SigningKeyPurpose, message: Uint8Array): Promise<SignedBytes> {
    const key = await this.activeKey(purpose);
    return { keyId: key.keyId, signature: signBytes(message, await this.secretKey(key)) };
  }

  /**
   * Builds and signs a receipt payload with one key: `build` receives the key id to put inside the payload, and the
   * same key signs it even if a rotation happens meanwhile. The signature is over SHA-256 of the canonical form.
   */
  async signReceiptPayload<P>(build: (keyId: string) => P): Promise<SignedReceiptPayload<P>> {
    const key = await this.activeKey('receipt');
    const payload = build(key.keyId);
    const { canonical, digest } = payloadDigest(payload);
    const signature = Buffer.from(signBytes(digest, await this.secretKey(key))).toString('base64url');
    return { payload, keyId: key.keyId, canonical, payloadSha256: digest.toString('hex'), signature };
  }

  /** What the transparency log needs: the active log key's public half and a signer bound to that same key. */
  async logSigner(): Promise<LogSigner> {
    const key = await this.activeKey('log');
    const secretKey = await this.secretKey(key);
    return { publicKey: key.publicKey, sign: async (message) => ({ keyId: key.keyId, signature: signBytes(message, secretKey) }) };
  }

  /** Every key ever used, oldest first, as published at GET /public/keys. */
  async publicKeys(): Promise<PublicSigningKey[]> {
    const rows = await this.options.dataSource.getRepository(SigningKeyEntity).find({ order: { createdAt: 'ASC', keyId: 'ASC' } });
    return rows.map((row) => {
      const jwk: PublicSigningKey = {
        kty: 'OKP', crv: 'Ed25519', x: row.publicKey, kid: row.keyId, alg: 'EdDSA', use: 'sig', purpose: row.purpose,
        createdAt: row.createdAt.toISOString(), retiredAt: row.retiredAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null,
      };
      if (row.purpose === 'log' && this.options.logKeyName) jwk.verifierKey = formatVerifierKey(this.options.logKeyName, Buffer.from(row.publicKey, 'base64url'));
      return jwk;
    });
  }

  async findKey(keyId: string): Promise<SigningKeyInfo | null> {
    const row = await this.options.dataSource.getRepository(SigningKeyEntity).findOneBy({ keyId });
    return row ? toInfo(row) : null;
  }

  /**
   * Rotation: a new active key of `purpose`, the old one retired in the same transaction (it keeps verifying).
   * The new secret is stored first, so a committed row always has its private half.
   */
  async rotate(purpose: SigningKeyPurpose): Promise<{ retired: string | null; active: SigningKeyInfo }> {
    const fresh = await this.storeNewKeyPair(purpose);
    try {
      return await this.options.dataSource.transaction(async (manager) => {
        const old = await manager.createQueryBuilder(SigningKeyEntity, 'k').setLock('pessimistic_write')
          .where(`k.purpose = :purpose AND ${ACTIVE}`, { purpose }).getOne();
        const at = this.now();
        if (old) await manager.update(SigningKeyEntity, { keyId: old.keyId }, { retiredAt: at });
        const r = fresh.row;
        await manager.query('INSERT INTO signing_keys (key_id, public_key, purpose, secret_ref, created_at) VALUES ($1, $2, $3, $4, $5)', [r.keyId, r.publicKey, purpose, r.secretRef, at]);
        this.secretKeys.set(r.keyId, fresh.secretKey);
        return { retired: old?.keyId ?? null, active: toInfo(await manager.findOneByOrFail(SigningKeyEntity, { keyId: r.keyId })) };
      });
    } catch (err) {
      await this.options.secrets.delete(fresh.row.secretRef).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Revocation (compromise): receipts the key signed at or after `at` become invalid, earlier ones valid with a
   * warning. A revoked active key is replaced at once by a new one.
   */
  async revoke(keyId: string, at: Date, reason: string): Promise<{ revoked: SigningKeyInfo; replacement: SigningKeyInfo | null }> {
    if (!reason.trim()) throw new SigningKeyError('a revocation needs a reason');
    const row = await this.options.dataSource.getRepository(SigningKeyEntity).findOneBy({ keyId });
    if (!row) throw new SigningKeyError(`no signing key ${keyId}`);
    if (row.revokedAt) throw new SigningKeyError(`key ${keyId} was already revoked at ${row.revokedAt.toISOString()}`);
    const wasActive = row.retiredAt === null;
    const replacement = wasActive ? (await this.rotate(row.purpose)).active : null;
    await this.options.dataSource.getRepository(SigningKeyEntity).update({ keyId }, { revokedAt: at, revokedReason: reason.trim() });
    this.secretKeys.delete(keyId);
    return { revoked: toInfo((await this.options.dataSource.getRepository(SigningKeyEntity).findOneByOrFail({ keyId }))), replacement };
  }

  private async findActive(manager: EntityManager, purpose: SigningKeyPurpose): Promise<SigningKeyInfo | null> {
    const row = await manager.createQueryBuilder(SigningKeyEntity, 'k').where(`k.purpose = :purpose AND ${ACTIVE}`, { purpose }).getOne();
    return row ? toInfo(row) : null;
  }

  private async createFirstKey(purpose: SigningKeyPurpose): Promise<SigningKeyInfo> {
    const fresh = await this.storeNewKeyPair(purpose);
    const r = fresh.row;
    const inserted: unknown[] = await this.options.dataSource.query(
      `INSERT INTO signing_keys (key_id, public_key, purpose, secret_ref, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (purpose) WHERE retired_at IS NULL AND revoked_at IS NULL DO NOTHING RETURNING key_id`,
      [r.keyId, r.publicKey, purpose, r.secretRef, this.now()],
    );
    if (inserted.length === 0) {
      // Another process created the active key first: ours was never published, so its secret goes.
      await this.options.secrets.delete(r.secretRef).catch(() => undefined);
    } else {
      this.secretKeys.set(r.keyId, fresh.secretKey);
    }
    const active = await this.findActive(this.options.dataSource.manager, purpose);
    if (!active) throw new SigningKeyError(`no active ${purpose} key after creating one (revoked or retired concurrently?)`);
    return active;
  }

  private async storeNewKeyPair(purpose: SigningKeyPurpose): Promise<{ row: Pick<SigningKeyEntity, 'keyId' | 'publicKey' | 'purpose' | 'secretRef'>; secretKey: Uint8Array }> {
    const pair = generateKeyPair();
    const keyId = jwkThumbprint(pair.publicKey);
    const secretRef = this.secretRef(purpose, keyId);
    await this.options.secrets.put(secretRef, Buffer.from(pair.secretKey.subarray(0, 32)).toString('base64'), { purpose: `signing-${purpose}`, key_id: keyId });
    return { row: { keyId, publicKey: Buffer.from(pair.publicKey).toString('base64url'), purpose, secretRef }, secretKey: pair.secretKey };
  }

  /**
   * A 32-byte secret for another use (receipt verification codes), derived with HKDF-SHA256 from the seed of the key
   * that signed the receipt, under a distinct `info`: it lives as long as that seed (retired keys keep theirs), needs
   * no secret of its own, and reveals nothing about the signing key.
   */
  async derivedSecret(keyId: string, info: string): Promise<Buffer> {
    const key = await this.findKey(keyId);
    if (!key) throw new SigningKeyError(`no signing key ${keyId}`);
    const seed = (await this.secretKey(key)).subarray(0, 32);
    return Buffer.from(hkdfSync('sha256', seed, Buffer.alloc(0), Buffer.from(info, 'utf8'), 32));
  }

  /** The 64-byte tweetnacl secret key; refuses a stored seed that does not give the published public key. */
  private async secretKey(key: SigningKeyInfo): Promise<Uint8Array> {
    const cached = this.secretKeys.get(key.keyId);
    if (cached) return cached;
    const ref = this.secretRef(key.purpose, key.keyId);
    const seed = Buffer.from(await this.options.secrets.get(ref).catch((err: unknown) => {
      if (!(err instanceof SecretNotFoundError)) throw err;
      // Not an outage: the row is published but this store never held (or lost) its seed. Restore it from the
      // backup, or rotate; never sign with another key under this one's id.
      throw new SigningKeyError(`the seed of ${key.purpose} key ${key.keyId} is not in the secret store (${ref}): restore it from the backup or run npm run keys:rotate`);
    }), 'base64');
    if (seed.length !== 32) throw new SigningKeyError(`secret of signing key ${key.keyId} is not a 32-byte seed`);
    const pair = keyPairFromSeed(seed);
    if (!Buffer.from(pair.publicKey).equals(Buffer.from(key.publicKey))) {
      throw new SigningKeyError(`secret of signing key ${key.keyId} does not match its published public key`);
    }
    this.secretKeys.set(key.keyId, pair.secretKey);
    return pair.secretKey;
  }
}
