import { randomUUID } from 'node:crypto';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';
import { findFreePort } from '../../../../src/dev/processes';
import { IdempotencyStore } from '../../../../src/services/idempotency/idempotency-store';

const keys = createClerkTestKeys();
let fakes: ProviderFakes;
let api: TestApi;

beforeAll(async () => {
  fakes = await startProviderFakes();
  api = await startTestApi(testConfig({ ...fakes.env, RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
});
afterAll(async () => { await api.close(); await fakes.close(); });

let orgCounter = 0;
const orgToken = (suffix: string) => `Bearer ${mintClerkToken(keys, { orgId: `org_idem_${suffix}_${Date.now()}_${orgCounter++}` })}`;

function post(target: TestApi, url: string, token: string, body: object, key?: string) {
  const req = target.http.post(url).set('Authorization', token);
  if (key !== undefined) req.set('Idempotency-Key', key);
  return req.send(body);
}

/** Status, body and the headers a replay must repeat; a wrong status shows the body in the assertion message. */
const answer = (res: { status: number; body: unknown; headers: Record<string, string> }) => ({ status: res.status, body: res.body, contentType: res.headers['content-type'] });
const codeOf = (res: { status: number; body: { error?: { code?: string; field?: string } } }) => ({ status: res.status, code: res.body.error?.code, field: res.body.error?.field, body: res.body });

async function orgIdOf(token: string): Promise<string> {
  const me = await api.http.get('/api/v1/me').set('Authorization', token);
  expect({ status: me.status, body: me.body }).toMatchObject({ status: 200 });
  return me.body.organization.id;
}

const projectNamed = async (orgId: string, name: string): Promise<Array<{ id: string }>> =>
  api.deps.dataSource.query(`SELECT id FROM projects WHERE org_id = $1 AND name = $2`, [orgId, name]);
const claimsOf = async (orgId: string): Promise<Array<{ completed_at: Date | null; response_status: number | null }>> =>
  api.deps.dataSource.query(`SELECT completed_at, response_status FROM idempotency_keys WHERE org_id = $1`, [orgId]);

describe('Idempotency-Key on POST routes', () => {
  it('replays POST /api/v1/projects: identical status, body and content type, one project', async () => {
    const token = orgToken('replay');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    const first = await post(api, '/api/v1/projects', token, { name: 'Research' }, key);
    expect(codeOf(first)).toMatchObject({ status: 201 });
    expect(first.headers['idempotent-replayed']).toBeUndefined();

    // Key order does not make a request different: the fingerprint is over canonical JSON.
    const again = await api.http.post('/api/v1/projects').set('Authorization', token).set('Idempotency-Key', key)
      .set('Content-Type', 'application/json').send('{ "name" : "Research" }');
    expect(answer(again)).toEqual(answer(first));
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await projectNamed(orgId, 'Research')).toHaveLength(1);

    // Without a key, nothing changes: a second POST creates a second project (slug research-2).
    const unkeyed = await post(api, '/api/v1/projects', token, { name: 'Research' });
    expect(codeOf(unkeyed)).toMatchObject({ status: 201, body: { slug: 'research-2' } });
  });

  it('replays POST /api/v1/api-keys with the same secret and creates one key', async () => {
    const token = orgToken('apikey');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    const first = await post(api, '/api/v1/api-keys', token, { name: 'CI' }, key);
    expect(codeOf(first)).toMatchObject({ status: 201 });
    const again = await post(api, '/api/v1/api-keys', token, { name: 'CI' }, key);
    expect(answer(again)).toEqual(answer(first));
    expect(again.body.key).toBe(first.body.key);
    const rows = await api.deps.dataSource.query(`SELECT id FROM api_keys WHERE org_id = $1`, [orgId]);
    expect(rows).toEqual([{ id: first.body.id }]);
    // The stored answer is sealed: the secret is not in the table in the clear.
    const [stored] = await api.deps.dataSource.query(`SELECT response_body FROM idempotency_keys WHERE org_id = $1`, [orgId]);
    expect((stored.response_body as Buffer).includes(Buffer.from(first.body.key))).toBe(false);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with a different body, and runs nothing', async () => {
    const token = orgToken('reused');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'Alpha' }, key))).toMatchObject({ status: 201 });
    const other = await post(api, '/api/v1/projects', token, { name: 'Beta' }, key);
    expect(codeOf(other)).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await projectNamed(orgId, 'Beta')).toEqual([]);
  });

  it('replays 4xx answers too (the request ran and was refused), and keys are per route', async () => {
    const token = orgToken('fourxx');
    const key = randomUUID();
    const first = await post(api, '/api/v1/projects', token, { name: '' }, key);
    expect(codeOf(first)).toMatchObject({ status: 400, field: 'body.name' });
    const again = await post(api, '/api/v1/projects', token, { name: '' }, key);
    expect(answer(again)).toEqual(answer(first));
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Same key on another route is another key.
    expect(codeOf(await post(api, '/api/v1/api-keys', token, { name: 'k' }, key))).toMatchObject({ status: 201 });
  });

  it('answers 409 while the first request runs, then replays it once it finished', async () => {
    const token = orgToken('running');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    // Hold project inserts so the first request stays inside its handler with its claim taken.
    const blocker = api.deps.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    let first: Promise<Awaited<ReturnType<typeof post>>> | undefined;
    try {
      await blocker.query(`LOCK TABLE projects IN EXCLUSIVE MODE`);
      first = post(api, '/api/v1/projects', token, { name: 'Slow' }, key).then((r) => r);
      await waitFor(async () => (await claimsOf(orgId)).length === 1);
      const during = await post(api, '/api/v1/projects', token, { name: 'Slow' }, key);
      expect(codeOf(during)).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE' });
      expect(during.headers['retry-after']).toBe('1');
    } finally {
      await blocker.commitTransaction();
      await blocker.release();
    }
    const done = await first!;
    expect(codeOf(done)).toMatchObject({ status: 201 });
    const after = await post(api, '/api/v1/projects', token, { name: 'Slow' }, key);
    expect(answer(after)).toEqual(answer(done));
    expect(await projectNamed(orgId, 'Slow')).toHaveLength(1);
  });

  it('lets one of several simultaneous first requests run: the others get 409 or its replay', async () => {
    const token = orgToken('race');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    const all = await Promise.all(Array.from({ length: 8 }, () => post(api, '/api/v1/projects', token, { name: 'Race' }, key)));
    const ran = all.filter((r) => r.status === 201 && r.headers['idempotent-replayed'] === undefined);
    expect(ran).toHaveLength(1);
    for (const res of all) {
      if (res.status === 409) expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
      else expect(answer(res)).toEqual(answer(ran[0]));
    }
    expect(await projectNamed(orgId, 'Race')).toHaveLength(1);
  });

  it('takes over a claim abandoned by a dead process after the claim timeout, not before', async () => {
    const token = orgToken('takeover');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'Orphan' }, key))).toMatchObject({ status: 201 });
    // As if the process died inside the handler: a claim with no response.
    const abandon = (age: string) => api.deps.dataSource.query(
      `UPDATE idempotency_keys SET completed_at = NULL, response_status = NULL, response_headers = NULL, response_body = NULL, locked_at = now() - $2::interval WHERE org_id = $1`,
      [orgId, age],
    );
    await abandon('5 seconds');
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'Orphan' }, key))).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_IN_USE' });
    await abandon('10 minutes');
    const retried = await post(api, '/api/v1/projects', token, { name: 'Orphan' }, key);
    expect(codeOf(retried)).toMatchObject({ status: 201, body: { slug: 'orphan-2' } });
    expect(await claimsOf(orgId)).toEqual([{ completed_at: expect.any(Date), response_status: 201 }]);
  });

  it('forgets keys after 24 h: an expired key runs again, and expired rows are deleted', async () => {
    const token = orgToken('expired');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'Old' }, key))).toMatchObject({ status: 201 });
    await api.deps.dataSource.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE org_id = $1`, [orgId]);
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'New' }, key))).toMatchObject({ status: 201 });

    await api.deps.dataSource.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE org_id = $1`, [orgId]);
    expect(await new IdempotencyStore(api.deps.dataSource).deleteExpired()).toBeGreaterThanOrEqual(1);
    expect(await claimsOf(orgId)).toEqual([]);
  });

  it('scopes keys per organization: org B reusing org A\'s key runs normally', async () => {
    const tokenA = orgToken('orga');
    const tokenB = orgToken('orgb');
    const key = randomUUID();
    const a = await post(api, '/api/v1/projects', tokenA, { name: 'Shared' }, key);
    expect(codeOf(a)).toMatchObject({ status: 201 });
    const b = await post(api, '/api/v1/projects', tokenB, { name: 'Shared' }, key);
    expect(codeOf(b)).toMatchObject({ status: 201 });
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.body.id).not.toBe(a.body.id);
    expect(codeOf(await post(api, '/api/v1/projects', tokenB, { name: 'Other body' }, randomUUID()))).toMatchObject({ status: 201 });
    expect(await projectNamed(await orgIdOf(tokenB), 'Shared')).toEqual([{ id: b.body.id }]);
  });

  it('does not store a 5xx: after a 503 (Temporal unreachable) the same key runs again', async () => {
    const token = orgToken('fivexx');
    const orgId = await orgIdOf(token);
    const key = randomUUID();
    const body = { provider: 'openai', apiKey: GOOD_KEYS.openai, name: 'Prod' };
    const down = await startTestApi(testConfig({ ...fakes.env, TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}` }, keys));
    try {
      const failed = await post(down, '/api/v1/connections', token, body, key);
      expect(codeOf(failed)).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await down.close();
    }
    expect(await claimsOf(orgId)).toEqual([]);
    const ran = await post(api, '/api/v1/connections', token, body, key);
    expect(codeOf(ran)).toMatchObject({ status: 201, body: { name: 'Prod', status: 'active' } });
    expect(ran.headers['idempotent-replayed']).toBeUndefined();
    const replay = await post(api, '/api/v1/connections', token, body, key);
    expect(answer(replay)).toEqual(answer(ran));
  }, 60_000);

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['non-ASCII', 'clé-é'],
    ['a tab', 'a\tb'],
  ])('answers 400 naming the header for a key that is %s', async (_what, value) => {
    const token = orgToken('badheader');
    const orgId = await orgIdOf(token);
    const res = await post(api, '/api/v1/projects', token, { name: 'Never' }, value);
    expect(codeOf(res)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', field: 'headers.Idempotency-Key' });
    expect(res.body.error.message).toMatch(/Idempotency-Key/);
    expect(await projectNamed(orgId, 'Never')).toEqual([]);
  });

  it('answers 400 for two Idempotency-Key headers, and takes the draft\'s quoted form as the bare key', async () => {
    const token = orgToken('twoheaders');
    // superagent sends an array value as one header line per element.
    const twice = await api.http.post('/api/v1/projects').set('Authorization', token).set('Idempotency-Key', ['a', 'b'] as unknown as string).send({ name: 'Twice' });
    expect(codeOf(twice)).toMatchObject({ status: 400, field: 'headers.Idempotency-Key' });
    expect(twice.body.error.message).toMatch(/once/);

    const key = randomUUID();
    const quoted = await post(api, '/api/v1/projects', token, { name: 'Quoted' }, `"${key}"`);
    expect(codeOf(quoted)).toMatchObject({ status: 201 });
    expect((await post(api, '/api/v1/projects', token, { name: 'Quoted' }, key)).headers['idempotent-replayed']).toBe('true');
    expect(codeOf(await post(api, '/api/v1/projects', token, { name: 'Quoted' }, 'k'.repeat(255)))).toMatchObject({ status: 201 });
  });

  it('documents the header as optional on every POST route and on no other', async () => {
    const doc = (await api.http.get('/openapi.json')).body;
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: Array<{ in: string; name: string; required?: boolean }> }>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const header = operation.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
        if (method === 'post' && path.startsWith('/api/v1/')) expect({ path, header: { ...header, schema: undefined, description: undefined } }).toEqual({ path, header: { in: 'header', name: 'Idempotency-Key', required: false } });
        else expect({ path, method, header }).toEqual({ path, method, header: undefined });
      }
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
