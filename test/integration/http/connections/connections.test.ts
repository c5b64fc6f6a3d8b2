import fs from 'node:fs';
import path from 'node:path';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { isolatedSecrets, testConfig, testEnv } from '../../../helpers/env';
import { GOOD_KEYS, OPENROUTER_INFERENCE_KEY, OTHER_ANTHROPIC_ORG, OTHER_OPENAI_ORG, startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';
import { findFreePort } from '../../../../src/dev/processes';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';
import { bucket } from '../../../factories/usage';
import { createConnectionRow } from '../../../factories/tenants';

const keys = createClerkTestKeys();
const REPLACEMENT_OPENAI_KEY = 'sk-admin-replacement-0000000000000000';
const SECOND_ANTHROPIC_KEY = 'sk-ant-admin01-second-00000anthropic';
let fakes: ProviderFakes;
let api: TestApi;
let secretsDir: string;
const responses: string[] = [];

const orgToken = (suffix: string) => `Bearer ${mintClerkToken(keys, { orgId: `org_conn_${suffix}_${Date.now()}` })}`;

beforeAll(async () => {
  fakes = await startProviderFakes({ extraKeys: { openai: [REPLACEMENT_OPENAI_KEY], anthropic: [SECOND_ANTHROPIC_KEY] } });
  const env = testEnv({ ...fakes.env, RATE_LIMIT_API_PER_MINUTE: '10000', ...isolatedSecrets() }, keys);
  secretsDir = env.SECRETS_LOCAL_DIR!;
  api = await startTestApi(testConfig(env, keys));
});
afterAll(async () => { await api.close(); await fakes.close(); });

/** Sends a request and keeps the response text for the "key never in a response" check. */
async function call(method: 'get' | 'post' | 'put' | 'delete', url: string, token: string, body?: object) {
  const res = await api.http[method](url).set('Authorization', token).send(body);
  responses.push(res.text);
  return res;
}

/** Asks the secret store itself (a fresh read, not the cache) whether a secret exists. */
async function secretExists(ref: string): Promise<boolean> {
  const providerKeys = api.deps.services.connections['deps'].providerKeys;
  providerKeys.forgetCachedKey(ref);
  return providerKeys.getProviderKey(ref).then(() => true, (err: Error) => { if (err.name === 'SecretNotFoundError') return false; throw err; });
}

const handleOf = (workflowId: string) => api.deps.services.connections['deps'].workflows['temporal'].client.workflow.getHandle(workflowId);

describe('POST /api/v1/connections', () => {
  it.each(Object.entries(GOOD_KEYS))('connects %s: validates, stores the secret, starts the poller, returns 201', async (provider, apiKey) => {
    const token = orgToken(`create_${provider}`);
    const res = await call('post', '/api/v1/connections', token, { provider, apiKey, name: 'Production' });
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 201,
      body: { provider, name: 'Production', status: 'active', keyHint: apiKey.slice(-4), consecutiveFailures: 0, lastError: null, cursor: null },
    });
    const me = await call('get', '/api/v1/me', token);
    const [project] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [me.body.organization.id]);
    expect(res.body.projectId).toBe(project.id);

    const description = await handleOf(`connection:${res.body.id}`).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('connectionPollingWorkflow');
  });

  it('answers 422 with the provider\'s reason for a bad key and stores nothing', async () => {
    const token = orgToken('badkey');
    const before = fs.readdirSync(secretsDir, { recursive: true }).length;
    const res = await call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: 'sk-admin-wrong-000000000000' });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'PROVIDER_KEY_REJECTED' });
    expect(res.body.error.message).toMatch(/openai/i);
    expect(fs.readdirSync(secretsDir, { recursive: true }).length).toBe(before);
    expect((await call('get', '/api/v1/connections', token)).body.data).toEqual([]);
  });

  it('explains that an OpenRouter inference key is the wrong kind of key', async () => {
    const res = await call('post', '/api/v1/connections', orgToken('orinference'), { provider: 'openrouter', apiKey: OPENROUTER_INFERENCE_KEY });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 422, code: 'PROVIDER_KEY_REJECTED' });
    expect(res.body.error.message).toMatch(/management key/);
  });

  it('answers 502 when the provider cannot be reached and stores nothing', async () => {
    const env = testEnv({ ...fakes.env, OPENAI_BASE_URL: `http://127.0.0.1:${await findFreePort()}`, ...isolatedSecrets() }, keys);
    const unreachable = await startTestApi(testConfig(env, keys));
    try {
      const token = orgToken('unreachable');
      const res = await unreachable.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 502, code: 'PROVIDER_UNREACHABLE' });
      expect(fs.readdirSync(env.SECRETS_LOCAL_DIR!, { recursive: true })).toEqual([]);
      expect((await unreachable.http.get('/api/v1/connections').set('Authorization', token)).body.data).toEqual([]);
    } finally {
      await unreachable.close();
    }
  });

  it.each([
    [{ provider: 'gemini', apiKey: GOOD_KEYS.openai }, 'body.provider'],
    [{ provider: 'openai' }, 'body.apiKey'],
    [{ provider: 'openai', apiKey: 'short' }, 'body.apiKey'],
    [{ provider: 'openai', apiKey: GOOD_KEYS.openai, projectId: 'nope' }, 'body.projectId'],
    [{ provider: 'openai', apiKey: GOOD_KEYS.openai, baseUrl: 'http://169.254.169.254' }, 'body'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const res = await call('post', '/api/v1/connections', orgToken('invalid'), body);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
  });

  it('refuses to connect the same key twice (a retried create), and allows it again once the first is deleted', async () => {
    const token = orgToken('twice');
    const first = await call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect(first.status).toBe(201);
    const validationsBefore = fakes.openai.requests.length;
    const twins = await Promise.all([1, 2].map(() => call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai })));
    for (const again of twins) {
      expect({ status: again.status, code: again.body.error?.code, connectionId: again.body.error?.details?.connectionId }).toEqual({ status: 409, code: 'CONFLICT', connectionId: first.body.id });
    }
    expect(fakes.openai.requests.length).toBe(validationsBefore); // refused before asking the provider
    expect((await call('get', '/api/v1/connections', token)).body.data).toHaveLength(1);

    expect((await call('delete', `/api/v1/connections/${first.body.id}`, token)).status).toBe(204);
    const reconnected = await call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect({ status: reconnected.status, id: reconnected.body.id }).toEqual({ status: 201, id: first.body.id }); // restored, not a second history
  });

  it('lets exactly one of two simultaneous first creates with one key through', async () => {
    const token = orgToken('race');
    await call('get', '/api/v1/me', token);
    const results = await Promise.all([1, 2].map(() => call('post', '/api/v1/connections', token, { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const listed = (await call('get', '/api/v1/connections', token)).body.data;
    expect(listed.map((c: { id: string }) => c.id)).toEqual([results.find((r) => r.status === 201)!.body.id]);
  });

  it('restores a deleted connection once when two reconnects race: one 201 with the old id, one 409 naming it', async () => {
    const token = orgToken('restorerace');
    const first = await call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect((await call('delete', `/api/v1/connections/${first.body.id}`, token)).status).toBe(204);
    const results = await Promise.all([1, 2].map(() => call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 201)!.body.id).toBe(first.body.id);
    expect(results.find((r) => r.status === 409)!.body.error.details).toEqual({ connectionId: first.body.id });
    expect((await handleOf(`connection:${first.body.id}`).describe()).status.name).toBe('RUNNING');
    const [row] = await api.deps.dataSource.query(`SELECT secret_ref FROM provider_connections WHERE id = $1`, [first.body.id]);
    expect(await secretExists(row.secret_ref)).toBe(true);
  });

  it('restores into the project the request names, and keeps the old project when it names none', async () => {
    const token = orgToken('restoreproject');
    const orgId = (await call('get', '/api/v1/me', token)).body.organization.id;
    const [research] = await api.deps.dataSource.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Research', 'research') RETURNING id`, [orgId]);
    const first = await call('post', '/api/v1/connections', token, { provider: 'openrouter', apiKey: GOOD_KEYS.openrouter, projectId: research.id });
    await call('delete', `/api/v1/connections/${first.body.id}`, token);
    const kept = await call('post', '/api/v1/connections', token, { provider: 'openrouter', apiKey: GOOD_KEYS.openrouter });
    expect({ status: kept.status, id: kept.body.id, projectId: kept.body.projectId }).toEqual({ status: 201, id: first.body.id, projectId: research.id });
    await call('delete', `/api/v1/connections/${first.body.id}`, token);
    const [def] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
    const moved = await call('post', '/api/v1/connections', token, { provider: 'openrouter', apiKey: GOOD_KEYS.openrouter, projectId: def.id });
    expect({ status: moved.status, id: moved.body.id, projectId: moved.body.projectId }).toEqual({ status: 201, id: first.body.id, projectId: def.id });
  });

  it('connects two Anthropic organizations side by side, each with its account', async () => {
    const token = orgToken('twoaccounts');
    const a = await call('post', '/api/v1/connections', token, { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic });
    const b = await call('post', '/api/v1/connections', token, { provider: 'anthropic', apiKey: OTHER_ANTHROPIC_ORG.key });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.providerAccount).toEqual({ id: OTHER_ANTHROPIC_ORG.id, name: OTHER_ANTHROPIC_ORG.name });
    expect(a.body.providerAccount.id).not.toBe(OTHER_ANTHROPIC_ORG.id);
  });

  it('answers 404 for a project of another organization', async () => {
    const other = orgToken('otherproj');
    const me = await call('get', '/api/v1/me', other);
    const [project] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1`, [me.body.organization.id]);
    const res = await call('post', '/api/v1/connections', orgToken('wantsproj'), { provider: 'openai', apiKey: GOOD_KEYS.openai, projectId: project.id });
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('reading, syncing, moving, replacing and deleting', () => {
  let token: string;
  let id: string;
  beforeAll(async () => {
    token = orgToken('lifecycle');
    id = (await call('post', '/api/v1/connections', token, { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic })).body.id;
  });

  it('GET shows the connection and a paginated list', async () => {
    const got = await call('get', `/api/v1/connections/${id}`, token);
    expect({ status: got.status, id: got.body.id, workflowId: got.body.workflowId }).toEqual({ status: 200, id, workflowId: `connection:${id}` });
    await call('post', '/api/v1/connections', token, { provider: 'openai', apiKey: GOOD_KEYS.openai });
    await call('post', '/api/v1/connections', token, { provider: 'openrouter', apiKey: GOOD_KEYS.openrouter });
    const first = await call('get', '/api/v1/connections?limit=2', token);
    const second = await call('get', `/api/v1/connections?limit=2&cursor=${first.body.nextCursor}`, token);
    expect(first.body.data).toHaveLength(2);
    expect(second.body).toMatchObject({ nextCursor: null });
    expect(new Set([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).size).toBe(3);
  });

  it('POST sync signals the poller, then answers 429 with Retry-After within 5 minutes', async () => {
    const first = await call('post', `/api/v1/connections/${id}/sync`, token);
    expect({ status: first.status, body: first.body }).toMatchObject({ status: 202, body: { connectionId: id, status: 'sync_requested' } });
    const again = await call('post', `/api/v1/connections/${id}/sync`, token);
    expect({ status: again.status, code: again.body.error?.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(again.headers['retry-after'])).toBeGreaterThan(200);
    const history = await handleOf(`connection:${id}`).fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'syncNow');
    expect(signals).toHaveLength(1);
  });

  it('PUT project moves it within the organization only', async () => {
    const otherToken = orgToken('foreignproject');
    const otherOrg = (await call('get', '/api/v1/me', otherToken)).body.organization.id;
    const [foreign] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1`, [otherOrg]);
    expect((await call('put', `/api/v1/connections/${id}/project`, token, { projectId: foreign.id })).status).toBe(404);

    const orgId = (await call('get', '/api/v1/me', token)).body.organization.id;
    const [created] = await api.deps.dataSource.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Research', 'research') RETURNING id`, [orgId]);
    const moved = await call('put', `/api/v1/connections/${id}/project`, token, { projectId: created.id });
    expect({ status: moved.status, projectId: moved.body.projectId }).toEqual({ status: 200, projectId: created.id });
  });

  it('PUT key validates the new key, replaces the secret and resumes the poller', async () => {
    const rejected = await call('put', `/api/v1/connections/${id}/key`, token, { apiKey: 'sk-ant-admin01-revoked-000000' });
    expect({ status: rejected.status, code: rejected.body.error?.code }).toEqual({ status: 422, code: 'PROVIDER_KEY_REJECTED' });
    const replaced = await call('put', `/api/v1/connections/${id}/key`, token, { apiKey: GOOD_KEYS.anthropic });
    expect({ status: replaced.status, keyHint: replaced.body.keyHint }).toEqual({ status: 200, keyHint: GOOD_KEYS.anthropic.slice(-4) });
    const history = await handleOf(`connection:${id}`).fetchHistory();
    expect((history.events ?? []).some((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'resume')).toBe(true);
  });

  it('PUT key refuses a key of another Anthropic organization (it would splice two accounts into one history), and accepts a second key of the same one', async () => {
    const foreign = await call('put', `/api/v1/connections/${id}/key`, token, { apiKey: OTHER_ANTHROPIC_ORG.key });
    expect({ status: foreign.status, code: foreign.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });
    expect(foreign.body.error.message).toMatch(/Other Org.*connect it as a new connection/);
    expect((await call('get', `/api/v1/connections/${id}`, token)).body.keyHint).toBe(GOOD_KEYS.anthropic.slice(-4));
    const sameAccount = await call('put', `/api/v1/connections/${id}/key`, token, { apiKey: SECOND_ANTHROPIC_KEY });
    expect({ status: sameAccount.status, keyHint: sameAccount.body.keyHint }).toEqual({ status: 200, keyHint: SECOND_ANTHROPIC_KEY.slice(-4) });
  });

  it('PUT key gives a connection that never had a key or a poller (a demo connection) both', async () => {
    const orgId = (await call('get', '/api/v1/me', token)).body.organization.id;
    const [project] = await api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
    const demo = await createConnectionRow(api.deps.dataSource, { orgId, clerkOrgId: '', projectId: project.id }, 'openai');
    // This organization already connected GOOD_KEYS.openai: one key, and one OpenAI organization, connects once.
    const taken = await call('put', `/api/v1/connections/${demo.id}/key`, token, { apiKey: GOOD_KEYS.openai });
    expect({ status: taken.status, code: taken.body.error?.code }).toEqual({ status: 409, code: 'CONFLICT' });
    const sameAccount = await call('put', `/api/v1/connections/${demo.id}/key`, token, { apiKey: REPLACEMENT_OPENAI_KEY });
    expect({ status: sameAccount.status, code: sameAccount.body.error?.code, message: sameAccount.body.error?.message })
      .toEqual({ status: 409, code: 'CONFLICT', message: expect.stringMatching(/Fake OpenAI Org, already connected as/) });
    const res = await call('put', `/api/v1/connections/${demo.id}/key`, token, { apiKey: OTHER_OPENAI_ORG.key });
    expect({ status: res.status, keyHint: res.body.keyHint, workflowId: res.body.workflowId }).toEqual({ status: 200, keyHint: OTHER_OPENAI_ORG.key.slice(-4), workflowId: `connection:${demo.id}` });
    expect(res.body.providerAccount).toEqual({ id: OTHER_OPENAI_ORG.id, name: OTHER_OPENAI_ORG.title });
    expect((await handleOf(`connection:${demo.id}`).describe()).status.name).toBe('RUNNING');
    const [row] = await api.deps.dataSource.query(`SELECT secret_ref FROM provider_connections WHERE id = $1`, [demo.id]);
    expect(await secretExists(row.secret_ref)).toBe(true);
  });

  it('DELETE stops the poller, deletes the secret and hides the connection, keeping usage history', async () => {
    const [row] = await api.deps.dataSource.query(`SELECT org_id, project_id, secret_ref FROM provider_connections WHERE id = $1`, [id]);
    await new IngestService(api.deps.dataSource, new FactorSetRepository(api.deps.dataSource))
      .ingest({ id, orgId: row.org_id, projectId: row.project_id, provider: 'anthropic' }, [bucket({ provider: 'anthropic', model: 'claude-haiku-4-5' })]);
    expect(await secretExists(row.secret_ref)).toBe(true);
    const res = await call('delete', `/api/v1/connections/${id}`, token);
    expect(res.status).toBe(204);
    expect((await handleOf(`connection:${id}`).describe()).status.name).toBe('TERMINATED');
    expect(await secretExists(row.secret_ref)).toBe(false);
    expect((await call('get', `/api/v1/connections/${id}`, token)).status).toBe(404);
    expect((await call('delete', `/api/v1/connections/${id}`, token)).status).toBe(404);
    const [{ n }] = await api.deps.dataSource.query(`SELECT count(*)::int AS n FROM usage_events WHERE connection_id = $1`, [id]);
    expect(n).toBe(1);
  });
});

describe('the plaintext key', () => {
  it('is absent from the database, the logs and every response', async () => {
    const dump: string = (await api.deps.dataSource.query(`SELECT string_agg(t::text, '\n') AS dump FROM provider_connections t`))[0].dump;
    const files = fs.readdirSync(secretsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'latin1'));
    expect(files.length).toBeGreaterThan(0);
    for (const key of Object.values(GOOD_KEYS)) {
      expect(dump).not.toContain(key);
      expect(api.logs()).not.toContain(key);
      for (const text of responses) expect(text).not.toContain(key);
      for (const file of files) expect(file).not.toContain(key);
    }
  });
});
