import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { auditPackKey, type AuditPackStorage } from '../../src/services/audit-packs/audit-pack-storage';
import { AuditPackRepository } from '../../src/services/audit-packs/audit-pack.repository';

export interface StoredPack { id: string; month: string; version: number; bytes: Buffer; manifestSha256: string; objectKey: string }

/**
 * An audit pack version of `orgId` as the builder leaves it: the object in `storage` (random bytes: routes serve them
 * as they are) and its row. Whole packs are the builder's tests' business.
 */
export async function storeAuditPack(ds: DataSource, storage: AuditPackStorage, orgId: string, month: string, version = 1): Promise<StoredPack> {
  const bytes = randomBytes(2048 + Math.floor(Math.random() * 1024));
  const objectKey = auditPackKey(orgId, month, version);
  await storage.upload(objectKey, Readable.from([bytes]));
  const manifestSha256 = createHash('sha256').update(randomBytes(16)).digest('hex');
  const record = await new AuditPackRepository(ds).insert({
    orgId, month, version, objectKey, manifestSha256, bytes: String(bytes.length), inputsSha256: randomBytes(32).toString('hex'),
    events: 12, receipts: 1, factorVersions: ['1.0'], keyId: randomBytes(32).toString('base64url'),
  });
  return { id: record.id, month, version, bytes, manifestSha256, objectKey };
}
