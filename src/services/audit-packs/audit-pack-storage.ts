import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore, S3ObjectStore, type S3StorageOptions } from '../../integrations/object-storage';

/**
 * Where audit pack zips live: S3 (S3_BUCKET) or, on embedded defaults, a local folder. Uploads are streamed: the
 * zip is never whole in memory (S3: multipart with bounded parts; local: written aside, then renamed).
 */
export interface AuditPackStorage {
  readonly kind: 's3' | 'local';
  upload(key: string, body: Readable): Promise<{ bytes: number }>;
  read(key: string): Promise<Readable>;
  /** S3 only: a short-lived GET link (at most 7 days for SigV4). */
  presignedUrl?(key: string, seconds: number): Promise<string>;
  exists(key: string): Promise<boolean>;
}

const KEY_PATTERN = /^audit-packs\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/\d{4}-(0[1-9]|1[0-2])\/v[1-9]\d{0,8}\.zip$/;

/** `audit-packs/{orgId}/{YYYY-MM}/v{version}.zip` */
export function auditPackKey(orgId: string, month: string, version: number): string {
  const key = `audit-packs/${orgId}/${month}/v${version}.zip`;
  if (!KEY_PATTERN.test(key)) throw new Error(`not an audit pack key: ${key}`);
  return key;
}

const ZIP = (key: string) => ({ contentType: 'application/zip', contentDisposition: `attachment; filename="${zipFileName(key)}"` });

/** The download's file name, the same from S3 as from the API's stream: `carbonplan-audit-pack-{YYYY-MM}-v{N}.zip`. */
export function zipFileName(key: string): string {
  const [, , month, file] = key.split('/');
  return `carbonplan-audit-pack-${month}-${file}`;
}

export class LocalAuditPackStorage implements AuditPackStorage {
  readonly kind = 'local' as const;
  private readonly store: LocalObjectStore;
  constructor(dir: string) {
    this.store = new LocalObjectStore(dir, KEY_PATTERN);
  }

  upload(key: string, body: Readable): Promise<{ bytes: number }> { return this.store.upload(key, body); }
  read(key: string): Promise<Readable> { return this.store.read(key); }
  exists(key: string): Promise<boolean> { return this.store.exists(key); }
}

export class S3AuditPackStorage implements AuditPackStorage {
  readonly kind = 's3' as const;
  private readonly store: S3ObjectStore;
  constructor(options: S3StorageOptions, client?: S3Client) {
    this.store = new S3ObjectStore(options, client);
  }

  upload(key: string, body: Readable): Promise<{ bytes: number }> {
    if (!KEY_PATTERN.test(key)) return Promise.reject(new Error('not an audit pack key'));
    return this.store.upload(key, body, ZIP(key));
  }
  read(key: string): Promise<Readable> { return this.store.read(key); }
  exists(key: string): Promise<boolean> { return this.store.exists(key); }
  presignedUrl(key: string, seconds: number): Promise<string> { return this.store.presignedUrl(key, seconds); }
}

export function createAuditPackStorage(config: { storage: 's3' | 'local'; localDir: string }, aws: { region: string; endpoint?: string; s3Bucket: string }): AuditPackStorage {
  return config.storage === 's3'
    ? new S3AuditPackStorage({ bucket: aws.s3Bucket, region: aws.region, endpoint: aws.endpoint })
    : new LocalAuditPackStorage(config.localDir);
}
