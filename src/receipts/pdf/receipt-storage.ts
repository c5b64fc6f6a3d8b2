import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

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
  constructor(private readonly dir: string) {}

  private file(key: string): string {
    // Keys come from receiptPdfKey, but the row is data: refuse anything that could leave the folder.
    if (!KEY_PATTERN.test(key)) throw new Error('not a receipt PDF key');
    return path.join(path.resolve(this.dir), key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // Written aside and renamed, so a reader never streams half a PDF.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.promises.writeFile(tmp, bytes);
    await fs.promises.rename(tmp, file);
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.file(key)).then(() => true, () => false);
  }

  async read(key: string): Promise<Readable> {
    const file = this.file(key);
    await fs.promises.access(file);
    return fs.createReadStream(file);
  }
}

export interface S3StorageOptions { bucket: string; region: string; endpoint?: string }

export class S3ReceiptStorage implements ReceiptStorage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  constructor(private readonly options: S3StorageOptions, client?: S3Client) {
    // forcePathStyle with an endpoint override (moto, MinIO); the real service uses virtual-hosted style.
    this.client = client ?? new S3Client({ region: options.region, endpoint: options.endpoint, forcePathStyle: Boolean(options.endpoint) });
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({
      Bucket: this.options.bucket, Key: key, Body: bytes, ContentType: 'application/pdf',
      ContentDisposition: `inline; filename="${path.basename(key)}"`,
    }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async read(key: string): Promise<Readable> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    return res.Body as Readable;
  }

  async presignedUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

export function createReceiptStorage(config: { storage: 's3' | 'local'; localDir: string }, aws: { region: string; endpoint?: string; s3Bucket: string }): ReceiptStorage {
  return config.storage === 's3'
    ? new S3ReceiptStorage({ bucket: aws.s3Bucket, region: aws.region, endpoint: aws.endpoint })
    : new LocalReceiptStorage(config.localDir);
}
