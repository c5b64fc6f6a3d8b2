import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * Objects we store (receipt PDFs, audit packs) under storage-neutral keys: the database never holds a local path,
 * so moving from the local folder to S3 is a copy, not a migration. Each user of a store passes the pattern its keys
 * follow; a key read from a row is data, and anything outside the pattern (`..`, absolute paths) is refused.
 */
export interface ObjectHeaders { contentType: string; contentDisposition?: string }

/** Counts the bytes passing through. */
export function byteCounter(): Transform & { bytes: number } {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  counter.bytes = 0;
  return counter;
}

export class LocalObjectStore {
  constructor(private readonly dir: string, private readonly keyPattern: RegExp) {}

  file(key: string): string {
    if (!this.keyPattern.test(key)) throw new Error('not a key of this store');
    return path.join(path.resolve(this.dir), key);
  }

  async putBytes(key: string, bytes: Buffer): Promise<void> {
    await this.write(key, async (tmp) => fs.promises.writeFile(tmp, bytes));
  }

  /** Streams `body` to the file; a reader never sees half an object (written aside, then renamed). */
  async upload(key: string, body: Readable): Promise<{ bytes: number }> {
    const counter = byteCounter();
    await this.write(key, (tmp) => pipeline(body, counter, fs.createWriteStream(tmp)));
    return { bytes: counter.bytes };
  }

  async exists(key: string): Promise<boolean> {
    return fs.promises.access(this.file(key)).then(() => true, () => false);
  }

  async read(key: string): Promise<Readable> {
    const file = this.file(key);
    await fs.promises.access(file);
    return fs.createReadStream(file);
  }

  private async write(key: string, fill: (tmp: string) => Promise<unknown>): Promise<void> {
    const file = this.file(key);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      await fill(tmp);
      await fs.promises.rename(tmp, file);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }
}

export interface S3StorageOptions { bucket: string; region: string; endpoint?: string }

// Multipart parts held in memory while uploading: partSize × (queueSize + 1) at most, whatever the object's size.
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

export class S3ObjectStore {
  readonly client: S3Client;
  constructor(private readonly options: S3StorageOptions, client?: S3Client) {
    // forcePathStyle with an endpoint override (moto, MinIO); the real service uses virtual-hosted style.
    this.client = client ?? new S3Client({ region: options.region, endpoint: options.endpoint, forcePathStyle: Boolean(options.endpoint) });
  }

  async putBytes(key: string, bytes: Buffer, headers: ObjectHeaders): Promise<void> {
    await this.client.send(new PutObjectCommand({
      Bucket: this.options.bucket, Key: key, Body: bytes, ContentType: headers.contentType, ContentDisposition: headers.contentDisposition,
    }));
  }

  /** Streams `body` as a multipart upload (one PUT when small) with bounded memory; an aborted upload leaves no object. */
  async upload(key: string, body: Readable, headers: ObjectHeaders): Promise<{ bytes: number }> {
    const counter = byteCounter();
    const sink = new PassThrough();
    const feeding = pipeline(body, counter, sink);
    const upload = new Upload({
      client: this.client, partSize: PART_SIZE, queueSize: QUEUE_SIZE, leavePartsOnError: false,
      params: { Bucket: this.options.bucket, Key: key, Body: sink, ContentType: headers.contentType, ContentDisposition: headers.contentDisposition },
    });
    // A failing source must stop the upload too, or it would wait for bytes that never come.
    feeding.catch(() => void upload.abort().catch(() => undefined));
    // And a failing upload must stop the source, or its pipeline would wait for a reader that is gone.
    const uploading = upload.done().catch((err: unknown) => {
      sink.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    });
    await Promise.all([feeding, uploading]);
    return { bytes: counter.bytes };
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
