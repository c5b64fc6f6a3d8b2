import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { assertValidRef, assertValidValue, SecretNotFoundError, SecretUnreadableError, type SecretStore, type SecretTags } from './secret-store';

export interface LocalSecretStoreOptions {
  dir: string;
  /** 32 random bytes (SECRETS_MASTER_KEY); losing it makes every stored secret unreadable. */
  masterKey: Buffer;
}

interface SecretFile {
  v: 1;
  alg: 'aes-256-gcm';
  iv: string;
  tag: string;
  ct: string;
  tags: SecretTags;
}

const FORMAT_VERSION = 1;

/**
 * The embedded default backend: one AES-256-GCM file per secret. Only ciphertext is at rest; the ref is bound
 * as additional authenticated data, so a file copied over another ref's file fails to decrypt instead of
 * handing one tenant's key to another connection.
 */
export class LocalSecretStore implements SecretStore {
  private readonly key: Buffer;

  constructor(private readonly options: LocalSecretStoreOptions) {
    if (options.masterKey.length !== 32) throw new Error('local secret store: the master key must be exactly 32 bytes');
    // Derive a purpose-bound key so the configured master key can never double as a raw key elsewhere.
    this.key = Buffer.from(hkdfSync('sha256', options.masterKey, Buffer.alloc(0), 'carbonplan/local-secret-store/v1', 32));
  }

  async put(ref: string, value: string, tags: SecretTags): Promise<string> {
    assertValidRef(ref);
    assertValidValue(value);
    await this.write(ref, value, tags);
    return ref;
  }

  async replace(ref: string, value: string): Promise<void> {
    assertValidRef(ref);
    assertValidValue(value);
    const existing = await this.readFile(ref);
    await this.write(ref, value, existing.tags);
  }

  async get(ref: string): Promise<string> {
    assertValidRef(ref);
    const file = await this.readFile(ref);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(file.iv, 'base64'));
      decipher.setAAD(this.aad(ref));
      decipher.setAuthTag(Buffer.from(file.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(file.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError(ref, 'authentication failed (wrong master key, tampered file, or file moved from another ref)');
    }
  }

  async delete(ref: string): Promise<void> {
    assertValidRef(ref);
    await fs.rm(this.fileOf(ref), { force: true });
  }

  /** Hashed file names: no ref, however odd, can escape the directory, and names reveal no tenant ids. */
  private fileOf(ref: string): string {
    return path.join(this.options.dir, `${createHash('sha256').update(ref).digest('hex')}.secret.json`);
  }

  private aad(ref: string): Buffer {
    return Buffer.from(`carbonplan-secret:v${FORMAT_VERSION}:${ref}`, 'utf8');
  }

  private async readFile(ref: string): Promise<SecretFile> {
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(ref), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (await this.isDirPresent())) throw new SecretNotFoundError(ref);
      // The whole directory missing is an unmounted or moved volume, not a deleted secret: telling callers the
      // key is gone would fail every connection at once for our own outage.
      throw error;
    }
    try {
      const file = JSON.parse(text) as SecretFile;
      if (file.v !== FORMAT_VERSION || file.alg !== 'aes-256-gcm') throw new Error('unknown format');
      return file;
    } catch {
      throw new SecretUnreadableError(ref, 'not a secret file of a known format');
    }
  }

  private async isDirPresent(): Promise<boolean> {
    try {
      return (await fs.stat(this.options.dir)).isDirectory();
    } catch {
      return false;
    }
  }

  private async write(ref: string, value: string, tags: SecretTags): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(this.aad(ref));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const file: SecretFile = { v: FORMAT_VERSION, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64'), tags };

    await fs.mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    const target = this.fileOf(ref);
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    // Write, flush and rename: a reader sees the old file or the new one, never a torn write.
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(file));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
  }
}
