import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSecretStore } from '../../../src/integrations/secrets';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { ProviderKeyStore } from '../../../src/integrations/secrets/provider-key-store';
import { SecretNotFoundError, SecretUnreadableError } from '../../../src/integrations/secrets/secret-store';

const PLAINTEXT = 'sk-admin-PlaintextCanary-7f3a9c1e5b';
const REF_A = 'carbonplan/test/org/org-a/connection/conn-a';
const REF_B = 'carbonplan/test/org/org-b/connection/conn-b';

let dir: string;
let masterKey: Buffer;
let store: LocalSecretStore;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'carbonplan-secrets-'));
  masterKey = randomBytes(32);
  store = new LocalSecretStore({ dir: path.join(dir, 'secrets'), masterKey });
});
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

// The store names files by the SHA-256 of the ref (see LocalSecretStore.fileOf).
const fileOf = (ref: string) => path.join(dir, 'secrets', `${createHash('sha256').update(ref).digest('hex')}.secret.json`);
const files = async () => (await fs.readdir(path.join(dir, 'secrets'))).map((f) => path.join(dir, 'secrets', f));

describe('LocalSecretStore', () => {
  it('round-trips through ProviderKeyStore, one 0600 file per secret in a 0700 directory', async () => {
    const keys = new ProviderKeyStore(store, 'carbonplan/test');
    const ref = await keys.putProviderKey({ orgId: 'org-a', connectionId: 'conn-a', provider: 'openai' }, PLAINTEXT);
    expect(ref).toBe(REF_A);
    await expect(keys.getProviderKey(ref, { orgId: 'org-a' })).resolves.toBe(PLAINTEXT);
    const [file] = await files();
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await fs.readFile(file, 'utf8')).tags).toEqual({ org_id: 'org-a', connection_id: 'conn-a', provider: 'openai' });
  });

  it('keeps only ciphertext at rest, with a fresh IV per write', async () => {
    await store.put(REF_A, PLAINTEXT, {});
    const first = await fs.readFile((await files())[0]);
    for (const needle of [PLAINTEXT, Buffer.from(PLAINTEXT).toString('base64'), Buffer.from(PLAINTEXT).toString('hex'), 'PlaintextCanary']) {
      expect(first.includes(Buffer.from(needle))).toBe(false);
    }
    await store.put(REF_A, PLAINTEXT, {});
    const second = await fs.readFile((await files())[0]);
    expect(JSON.parse(second.toString()).ct).not.toBe(JSON.parse(first.toString()).ct);
  });

  it('fails to decrypt under another master key', async () => {
    await store.put(REF_A, PLAINTEXT, {});
    const other = new LocalSecretStore({ dir: path.join(dir, 'secrets'), masterKey: randomBytes(32) });
    await expect(other.get(REF_A)).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it.each(['ct', 'tag', 'iv'] as const)('fails to decrypt when the %s was tampered with', async (field) => {
    await store.put(REF_A, PLAINTEXT, {});
    const [file] = await files();
    const content = JSON.parse(await fs.readFile(file, 'utf8'));
    const bytes = Buffer.from(content[field], 'base64');
    bytes[0] ^= 0x01;
    await fs.writeFile(file, JSON.stringify({ ...content, [field]: bytes.toString('base64') }));
    await expect(store.get(REF_A)).rejects.toThrow(SecretUnreadableError);
  });

  it("refuses a file copied over another ref's file (the ref is authenticated data)", async () => {
    await store.put(REF_A, PLAINTEXT, {});
    await store.put(REF_B, 'sk-admin-tenant-b', {});
    await fs.copyFile(fileOf(REF_A), fileOf(REF_B));
    await expect(store.get(REF_B)).rejects.toBeInstanceOf(SecretUnreadableError);
    await expect(store.get(REF_A)).resolves.toBe(PLAINTEXT);
  });

  it('replaces keeping tags, deletes idempotently, and reports missing secrets', async () => {
    await store.put(REF_A, 'first', { provider: 'anthropic' });
    await store.replace(REF_A, 'second');
    await expect(store.get(REF_A)).resolves.toBe('second');
    expect(JSON.parse(await fs.readFile((await files())[0], 'utf8')).tags).toEqual({ provider: 'anthropic' });
    await store.delete(REF_A);
    await expect(store.get(REF_A)).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.replace(REF_A, 'third')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(store.delete(REF_A)).resolves.toBeUndefined();
  });

  it('reports the directory gone (an unmounted volume) as an outage, not as missing secrets', async () => {
    await store.put(REF_A, 'first', {});
    await fs.rename(path.join(dir, 'secrets'), path.join(dir, 'away'));
    const gone = await store.get(REF_A).catch((err: unknown) => err);
    expect(gone).not.toBeInstanceOf(SecretNotFoundError);
    expect(gone).toMatchObject({ code: 'ENOENT' });
    await expect(store.replace(REF_A, 'second')).rejects.not.toBeInstanceOf(SecretNotFoundError);
    await fs.rename(path.join(dir, 'away'), path.join(dir, 'secrets'));
    await expect(store.get(REF_A)).resolves.toBe('first');
  });

  it('writes atomically: concurrent writers leave one whole value and no temp files', async () => {
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}-${'x'.repeat(2000)}`);
    await Promise.all(values.map((v) => store.put(REF_A, v, {})));
    expect(values).toContain(await store.get(REF_A));
    expect((await files()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await files()).toHaveLength(1);
  });

  it('keeps odd refs inside its directory and rejects a bad master key', async () => {
    await store.put('../../escape', 'v', {});
    expect(await files()).toHaveLength(1);
    await expect(fs.access(path.join(dir, 'escape'))).rejects.toThrow();
    expect(() => new LocalSecretStore({ dir, masterKey: randomBytes(16) })).toThrow('32 bytes');
    expect(() => createSecretStore({ backend: 'local', prefix: 'p', localDir: dir, region: 'us-east-1' })).toThrow('SECRETS_MASTER_KEY');
  });
});

