import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import archiver, { type Archiver } from 'archiver';

/** A file of the pack as manifest.json lists it. */
export interface PackFile { path: string; bytes: number; sha256: string }

export type PackContent = Buffer | string | Readable | AsyncIterable<string | Buffer>;

/** Hashes and counts what passes through, without holding it. */
class Digesting extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(bytes);
    this.bytes += bytes.length;
    done(null, bytes);
  }
  digest(): string { return this.hash.digest('hex'); }
}

/**
 * The pack as a zip stream (archiver 7), written entry by entry: a streamed entry is hashed as archiver reads it, and
 * the next entry is added only once it is consumed, so at most one entry's chunk is in flight whatever its size.
 * `output` is piped to storage by the caller; `files` collects what manifest.json lists.
 */
export class PackZip {
  private readonly archive: Archiver;
  private readonly failed: Promise<never>;
  readonly files: PackFile[] = [];

  constructor(private readonly date: Date, level = 6) {
    this.archive = archiver('zip', { zlib: { level } });
    this.failed = new Promise<never>((_, reject) => this.archive.once('error', reject));
    this.failed.catch(() => undefined);
  }

  get output(): Readable {
    return this.archive;
  }

  /** Adds `path`; listed in the manifest unless `listed` is false (manifest.json, manifest.sig, cover.pdf). */
  async add(path: string, content: PackContent, listed = true): Promise<PackFile> {
    let file: PackFile;
    if (typeof content === 'string' || Buffer.isBuffer(content)) {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      this.archive.append(bytes, { name: path, date: this.date });
      file = { path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    } else {
      const source = content instanceof Readable ? content : Readable.from(content, { objectMode: false });
      const digesting = new Digesting();
      source.once('error', (err) => digesting.destroy(err));
      this.archive.append(source.pipe(digesting), { name: path, date: this.date });
      await Promise.race([finished(digesting), this.failed]);
      file = { path, bytes: digesting.bytes, sha256: digesting.digest() };
    }
    if (listed) this.files.push(file);
    return file;
  }

  /** No more entries: the central directory is written and `output` ends. */
  async finalize(): Promise<void> {
    await Promise.race([this.archive.finalize(), this.failed]);
  }

  /** Stops with an error: `output` errors too, so the storage upload fails instead of keeping half a zip. */
  destroy(err: Error): void {
    this.archive.destroy(err);
  }
}
