import { randomUUID } from 'node:crypto';
import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsSecretStore } from '../../../src/integrations/secrets/aws-secret-store';
import { ProviderKeyStore } from '../../../src/integrations/secrets/provider-key-store';
import { SecretNotFoundError } from '../../../src/integrations/secrets/secret-store';
import { MOTO_CLIENT, useMoto, type MotoEndpoint } from './moto-endpoint';

const PREFIX = 'carbonplan/test';
let moto: MotoEndpoint;
let client: SecretsManagerClient;
let store: AwsSecretStore;
let keys: ProviderKeyStore;

beforeAll(async () => {
  moto = await useMoto();
  client = new SecretsManagerClient({ ...MOTO_CLIENT, endpoint: moto.endpoint });
  store = new AwsSecretStore({ region: 'us-east-1', client });
  keys = new ProviderKeyStore(store, PREFIX);
});
afterAll(async () => {
  client.destroy();
  await moto.stop();
});

// Fresh ids per test: moto state is shared by the whole run and never reset.
const newOwner = (provider: 'openai' | 'anthropic' | 'openrouter' = 'openai') => ({ orgId: randomUUID(), connectionId: randomUUID(), provider });
const describe_ = (ref: string) => client.send(new DescribeSecretCommand({ SecretId: ref }));
const tagsOf = async (ref: string) => Object.fromEntries(((await describe_(ref)).Tags ?? []).map((t) => [t.Key, t.Value]));

describe('AwsSecretStore on moto', () => {
  it('creates a tagged secret under the org/connection hierarchy and reads it back', async () => {
    const owner = newOwner();
    const ref = await keys.putProviderKey(owner, 'sk-admin-first-value');
    expect(ref).toBe(`${PREFIX}/org/${owner.orgId}/connection/${owner.connectionId}`);
    await expect(keys.getProviderKey(ref, { orgId: owner.orgId })).resolves.toBe('sk-admin-first-value');
    expect(await tagsOf(ref)).toEqual({ org_id: owner.orgId, connection_id: owner.connectionId, provider: 'openai' });
  });

  it('replaces the value and keeps the tags', async () => {
    const owner = newOwner('anthropic');
    const ref = await keys.putProviderKey(owner, 'sk-ant-admin01-old');
    await keys.replaceProviderKey(ref, 'sk-ant-admin01-new');
    await expect(keys.getProviderKey(ref)).resolves.toBe('sk-ant-admin01-new');
    expect((await tagsOf(ref)).provider).toBe('anthropic');
  });

  it('deletes without a recovery window, so the same name can be created again at once', async () => {
    const owner = newOwner();
    const ref = await keys.putProviderKey(owner, 'sk-admin-before');
    await keys.deleteProviderKey(ref);
    await expect(describe_(ref)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(keys.getProviderKey(ref)).rejects.toBeInstanceOf(SecretNotFoundError);

    await expect(keys.putProviderKey(owner, 'sk-admin-after')).resolves.toBe(ref);
    await expect(keys.getProviderKey(ref)).resolves.toBe('sk-admin-after');
  });

  it('reports a missing secret as SecretNotFoundError and deletes it idempotently', async () => {
    const ref = `${PREFIX}/org/${randomUUID()}/connection/${randomUUID()}`;
    await expect(keys.getProviderKey(ref)).rejects.toMatchObject({ name: 'SecretNotFoundError', ref });
    await expect(keys.replaceProviderKey(ref, 'sk-admin-x')).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(keys.deleteProviderKey(ref)).resolves.toBeUndefined();
  });

  it('restores a secret pending deletion when the connection is created again (the deletion trap)', async () => {
    const owner = newOwner('openai');
    const ref = await keys.putProviderKey(owner, 'sk-admin-old');
    await client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 })); // e.g. deleted from the console
    expect((await describe_(ref)).DeletedDate).toBeInstanceOf(Date);
    await expect(keys.getProviderKey(ref)).rejects.toBeInstanceOf(SecretNotFoundError);

    await keys.putProviderKey({ ...owner, provider: 'openrouter' }, 'sk-or-v1-new');
    await expect(keys.getProviderKey(ref)).resolves.toBe('sk-or-v1-new');
    expect((await describe_(ref)).DeletedDate).toBeUndefined();
    expect((await tagsOf(ref)).provider).toBe('openrouter');
  });

  it('force-deletes a secret that is already pending deletion', async () => {
    const ref = await keys.putProviderKey(newOwner(), 'sk-admin-doomed');
    await client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 }));
    await keys.deleteProviderKey(ref);
    await expect(describe_(ref)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('enforces tenancy and the naming scheme in our code (moto enforces no IAM)', async () => {
    const owner = newOwner();
    const ref = await keys.putProviderKey(owner, 'sk-admin-tenant-a');
    await expect(keys.getProviderKey(ref, { orgId: randomUUID() })).rejects.toThrow('another organization');
    await expect(keys.getProviderKey(`carbonplan/other/org/${owner.orgId}/connection/${owner.connectionId}`)).rejects.toThrow('not a provider key ref');
    await expect(keys.putProviderKey({ ...owner, orgId: `${owner.orgId}/connection/x` }, 'sk-admin-x')).rejects.toThrow('invalid orgId');
  });
});
