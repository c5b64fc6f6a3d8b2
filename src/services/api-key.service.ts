import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ApiKey, CreateApiKeyRequest, CreateApiKeyResponse } from '../../contracts/organizations';
import { ApiKeyEntity, OrganizationEntity } from '../db/entities';
import { AppError, notFound } from '../errors';
import { decodeCursor, keysetColumns, toPage } from './pagination';

const KEY_PATTERN = /^cp_(live|test)_[A-Za-z0-9_-]{43}$/;
/** last_used_at is advisory; writing it on every request would turn reads into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const isApiKeyToken = (token: string) => token.startsWith('cp_live_') || token.startsWith('cp_test_');
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');

function toContract(row: ApiKeyEntity): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    createdBy: row.createdBy,
  };
}

export type ApiKeyAuthentication =
  | { status: 'valid'; key: ApiKeyEntity; org: OrganizationEntity }
  | { status: 'expired'; expiresAt: Date }
  | { status: 'invalid' };

/** Organization API keys: stored as SHA-256 hashes, the secret is returned once. */
export class ApiKeyService {
  constructor(private readonly ds: DataSource, private readonly now: () => Date = () => new Date()) {}

  /** `createdBy` is the Clerk user id of the admin creating it (null only for the local launcher's key). */
  async create(orgId: string, input: CreateApiKeyRequest, createdBy: string | null): Promise<CreateApiKeyResponse> {
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= this.now().getTime()) {
      throw new AppError('VALIDATION_FAILED', 'body.expiresAt: must be in the future', { field: 'body.expiresAt' });
    }
    const key = `cp_${input.environment}_${randomBytes(32).toString('base64url')}`;
    const row = await this.ds.getRepository(ApiKeyEntity).save({
      orgId, name: input.name, prefix: key.slice(0, 12), keyHash: hashKey(key), createdBy, expiresAt, lastUsedAt: null, revokedAt: null,
    });
    return { ...toContract(row), key };
  }

  async list(orgId: string, limit: number, cursor?: string): Promise<{ data: ApiKey[]; nextCursor: string | null }> {
    const after = decodeCursor(cursor);
    const qb = this.ds.getRepository(ApiKeyEntity).createQueryBuilder('k').where('k.org_id = :orgId', { orgId });
    const keyset = keysetColumns('k');
    if (after) qb.andWhere(keyset.after, { cursorAt: after.createdAt, cursorId: after.id });
    const rows = await qb.orderBy(keyset.order[0], 'ASC').addOrderBy(keyset.order[1], 'ASC').limit(limit + 1).getMany();
    return toPage(rows, limit, toContract);
  }

  /** Revoking is idempotent; another organization's key id is "not found". */
  async revoke(orgId: string, id: string): Promise<ApiKey> {
    const repo = this.ds.getRepository(ApiKeyEntity);
    const row = await repo.findOneBy({ id, orgId });
    if (!row) throw notFound('API key');
    if (!row.revokedAt) {
      row.revokedAt = this.now();
      await repo.update({ id, orgId }, { revokedAt: row.revokedAt });
    }
    return toContract(row);
  }

  /**
   * The active key and its organization; `expired` for a key past its expiry (so the caller can say so), `invalid`
   * for an unknown, malformed or revoked key. An expired key is not marked as used.
   */
  async authenticate(token: string): Promise<ApiKeyAuthentication> {
    if (!KEY_PATTERN.test(token)) return { status: 'invalid' };
    const key = await this.ds.getRepository(ApiKeyEntity).findOne({ where: { keyHash: hashKey(token) }, relations: { org: true } });
    if (!key || key.revokedAt || !key.org) return { status: 'invalid' };
    const now = this.now();
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return { status: 'expired', expiresAt: key.expiresAt };
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.ds.getRepository(ApiKeyEntity).update({ id: key.id }, { lastUsedAt: now });
    }
    return { status: 'valid', key, org: key.org };
  }
}
