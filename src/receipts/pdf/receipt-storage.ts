import path from 'node:path';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalObjectStore, S3ObjectStore, type S3StorageOptions } from '../../integrations/object-storage';

export type { S3StorageOptions } from '../../integrations/object-storage';

/**
 * Where receipt PDFs live. Object keys are storage-neutral (`receipts/<org>/<serial>.pdf`): the database never
 * holds a local path, so moving from the local folder to S3 is a copy, not a migration.
 */
export interface ReceiptStorage {
  readonly kind: 's3' | 'local';
  put(key: string, bytes: Buffer): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** The local backend streams the file; S3 hands out a presigned GET URL instead. */
  read(key: string): Promise<Readable>;
  presignedUrl?(key: string, expiresInSeconds: number): Promise<string>;
}

const KEY_PATTERN = /^receipts\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\.pdf$/;

export function receiptPdfKey(orgId: string, serial: string): string {
  const key = `receipts/${orgId}/${serial}.pdf`;
  if (!KEY_PATTERN.test(key)) throw new Error(`not a receipt PDF key: ${key}`);
  return key;
}

export class LocalReceiptStorage implements ReceiptStorage {
  readonly kind = 'local' as const;
  private readonly store: LocalObjectStore;
  constructor(dir: string) {
    // Keys come from receiptPdfKey, but the row is data: the store refuses anything that could leave the folder.
    this.store = new LocalObjectStore(dir, KEY_PATTERN);
  }

  put(key: string, bytes: Buffer): Promise<void> { return this.store.putBytes(key, bytes); }
  exists(key: string): Promise<boolean> { return this.store.exists(key); }
  read(key: string): Promise<Readable> { return this.store.read(key); }
}

export class S3ReceiptStorage implements ReceiptStorage {
  readonly kind = 's3' as const;
  private readonly store: S3ObjectStore;
  constructor(options: S3StorageOptions, client?: S3Client) {
    this.store = new S3ObjectStore(options, client);
  }

  put(key: string, bytes: Buffer): Promise<void> {
    return this.store.putBytes(key, bytes, { contentType: 'application/pdf', contentDisposition: `inline; filename="${path.basename(key)}"` });
  }
  exists(key: string): Promise<boolean> { return this.store.exists(key); }
  read(key: string): Promise<Readable> { return this.store.read(key); }
  presignedUrl(key: string, expiresInSeconds: number): Promise<string> { return this.store.presignedUrl(key, expiresInSeconds); }
}

export function createReceiptStorage(config: { storage: 's3' | 'local'; localDir: string }, aws: { region: string; endpoint?: string; s3Bucket: string }): ReceiptStorage {
  return config.storage === 's3'
    ? new S3ReceiptStorage({ bucket: aws.s3Bucket, region: aws.region, endpoint: aws.endpoint })
    : new LocalReceiptStorage(config.localDir);
}
