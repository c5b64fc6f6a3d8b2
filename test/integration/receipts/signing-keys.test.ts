import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';
import { AwsSecretStore } from '../../../src/integrations/secrets/aws-secret-store';
import { LocalSecretStore } from '../../../src/integrations/secrets/local-secret-store';
import { SecretNotFoundError, type SecretStore } from '../../../src/integrations/secrets/secret-store';
import { verifyPayloadSignature, verifyStrict } from '../../../src/receipts/ed25519';
import { keyVerdictAt } from '../../../src/receipts/key-validity';
import { jwkThumbprint, SigningKeyService } from '../../../src/services/signing-keys/signing-key.service';
import { parseAndVerifyCheckpoint, signCheckpoint } from '../../../src/transparency-log/checkpoint';
import { buildReceiptPayload } from '../../factories/receipt-payload';
import { MOTO_CLIENT, useMoto, type MotoEndpoint } from '../secrets/moto-endpoint';

// signing_keys is global (one active key per purpose), so rotation and revocation run on a database of their own
// rather than under other tests' feet.
let dataSource: DataSource;
let dropDatabase: () => Promise<void>;
let local: SecretStore;
const PREFIX = 'carbonplan/test';

beforeAll(async () => {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_ADMIN_DATABASE_URL is unset: run through jest with the global setup');
  const name = `signing_keys_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  dataSource = await createDataSource({ url: url.toString(), poolSize: 8 }).initialize();
  await migrateUp(dataSource);
  dropDatabase = async () => {
    await dataSource.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  local = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-signing-')), masterKey: randomBytes(32) });
});
afterAll(async () => dropDatabase?.());
beforeEach(async () => dataSource.query('DELETE FROM signing_keys'));

const service = (secrets: SecretStore = local, now?: () => Date) => new SigningKeyService({ dataSource, secrets, prefix: PREFIX, logKeyName: 'carbonplan.test/log', now });

describe('SigningKeyService', () => {
  it('names keys by their RFC 7638 thumbprint (RFC 8037 appendix A.3)', () => {
    expect(jwkThumbprint(Buffer.from('11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', 'base64url'))).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('creates exactly one active key when several processes start at once, and keeps only its secret', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => service().activeKey('receipt')));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    const rows: { key_id: string; secret_ref: string }[] = await dataSource.query(`SELECT key_id, secret_ref FROM signing_keys WHERE purpose = 'receipt'`);
    expect(rows).toHaveLength(1);
    const seed = Buffer.from(await local.get(rows[0].secret_ref), 'base64');
    expect(seed).toHaveLength(32);
    // A second start finds the key instead of making another.
    expect((await service().activeKey('receipt')).keyId).toBe(keys[0].keyId);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM signing_keys')).toEqual([{ n: 1 }]);
  });

  it('refuses a second active key of a purpose at the database', async () => {
    await service().activeKey('receipt');
    await expect(dataSource.query(`INSERT INTO signing_keys (key_id, public_key, purpose, secret_ref) VALUES ($1, $2, 'receipt', 'x/y')`,
      [randomUUID(), randomBytes(32).toString('base64url')])).rejects.toThrow(/signing_keys_one_active_per_purpose/);
  });

  it('signs payloads with the key it names inside them; rotation keeps old receipts verifiable', async () => {
    const keys = service();
    const first = await keys.signReceiptPayload((keyId) => buildReceiptPayload({ keyId, issuedAt: new Date().toISOString() }));
    expect(first.payload.keyId).toBe(first.keyId);
    const rotation = await keys.rotate('receipt');
    expect(rotation.retired).toBe(first.keyId);
    const second = await keys.signReceiptPayload((keyId) => buildReceiptPayload({ keyId, issuedAt: new Date().toISOString() }));
    expect(second.keyId).toBe(rotation.active.keyId);
    expect(second.keyId).not.toBe(first.keyId);

    const published = await service().publicKeys();
    expect(published.map((k) => k.kid)).toEqual([first.keyId, second.keyId]);
    for (const signed of [first, second]) {
      const jwk = published.find((k) => k.kid === signed.keyId)!;
      expect(verifyPayloadSignature(JSON.parse(signed.canonical), signed.signature, Buffer.from(jwk.x, 'base64url')).valid).toBe(true);
      expect(keyVerdictAt(jwk, signed.payload.issuedAt)).toEqual({ status: 'valid' });
    }
    expect(published[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', purpose: 'receipt', revokedAt: null, retiredAt: expect.any(String) });
    expect(published[1].retiredAt).toBeNull();
    expect(Buffer.from(published[0].x, 'base64url')).toHaveLength(32);
    expect(published[0].x).not.toMatch(/=/);
  });

  it('revocation replaces an active key and invalidates what it signed from then on', async () => {
    const keys = service();
    const old = await keys.activeKey('receipt');
    const at = new Date(Date.now() + 60_000);
    const { revoked, replacement } = await keys.revoke(old.keyId, at, 'seed leaked in a log');
    expect(revoked.revokedAt?.toISOString()).toBe(at.toISOString());
    expect(replacement?.keyId).not.toBe(old.keyId);
    expect((await keys.activeKey('receipt')).keyId).toBe(replacement?.keyId);
    const jwk = (await keys.publicKeys()).find((k) => k.kid === old.keyId)!;
    expect(keyVerdictAt(jwk, new Date(at.getTime() - 1).toISOString())).toMatchObject({ status: 'valid-with-warning' });
    expect(keyVerdictAt(jwk, at.toISOString())).toMatchObject({ status: 'invalid' });
    await expect(keys.revoke(old.keyId, at, 'again')).rejects.toThrow(/already revoked/);
    await expect(keys.revoke(replacement!.keyId, at, ' ')).rejects.toThrow(/reason/);
  });

  it('creates the log key on first use, publishes its C2SP verifier key, and signs checkpoints with it', async () => {
    const keys = service();
    const signer = await keys.logSigner();
    const note = await signCheckpoint({ origin: 'carbonplan.test/log', treeSize: 1, root: Buffer.alloc(32, 1) }, 'carbonplan.test/log', signer);
    const logJwk = (await keys.publicKeys()).find((k) => k.purpose === 'log')!;
    expect(logJwk.verifierKey).toMatch(/^carbonplan\.test\/log\+[0-9a-f]{8}\+/);
    expect(parseAndVerifyCheckpoint(note, logJwk.verifierKey!).treeSize).toBe(1);
    const { keyId, signature } = await keys.sign('log', Buffer.from('hello'));
    expect(keyId).toBe(logJwk.kid);
    expect(verifyStrict(Buffer.from('hello'), signature, Buffer.from(logJwk.x, 'base64url'))).toBe(true);
  });

  it('refuses a stored seed that does not match the published key', async () => {
    const key = await service().activeKey('receipt');
    await local.replace(service().secretRef('receipt', key.keyId), randomBytes(32).toString('base64'));
    await expect(service().sign('receipt', Buffer.from('x'))).rejects.toThrow(/does not match its published public key/);
  });

  it('says so when the active key\'s seed is not in this secret store', async () => {
    await service().activeKey('receipt');
    const elsewhere = new LocalSecretStore({ dir: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-signing-')), masterKey: randomBytes(32) });
    await expect(service(elsewhere).sign('receipt', Buffer.from('x'))).rejects.toThrow(/is not in the secret store .*keys:rotate/);
  });

  describe('on Secrets Manager (moto)', () => {
    let moto: MotoEndpoint;
    let client: SecretsManagerClient;
    beforeAll(async () => {
      moto = await useMoto();
      client = new SecretsManagerClient({ ...MOTO_CLIENT, endpoint: moto.endpoint });
    });
    afterAll(async () => {
      client.destroy();
      await moto.stop();
    });

    it('stores the seed, reads it back in a fresh process, and deletes a losing racer\'s secret', async () => {
      const aws = new AwsSecretStore({ region: 'us-east-1', client });
      const prefix = `carbonplan/test-${randomBytes(4).toString('hex')}`;
      const make = () => new SigningKeyService({ dataSource, secrets: aws, prefix });
      const keys = await Promise.all([make().activeKey('receipt'), make().activeKey('receipt')]);
      expect(keys[0].keyId).toBe(keys[1].keyId);
      const signed = await make().sign('receipt', Buffer.from('digest'));
      expect(verifyStrict(Buffer.from('digest'), signed.signature, keys[0].publicKey)).toBe(true);
      const rows: { secret_ref: string }[] = await dataSource.query('SELECT secret_ref FROM signing_keys');
      expect(rows.map((r) => r.secret_ref)).toEqual([`${prefix}/signing-keys/receipt/${keys[0].keyId}/seed`]);
      await expect(aws.get(`${prefix}/signing-keys/receipt/not-a-key/seed`)).rejects.toBeInstanceOf(SecretNotFoundError);
    });
  });
});
