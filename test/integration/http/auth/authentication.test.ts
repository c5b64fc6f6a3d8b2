import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const keys = createClerkTestKeys();
const otherKeys = createClerkTestKeys();
let api: TestApi;

beforeAll(async () => { api = await startTestApi(testConfig({}, keys)); });
afterAll(async () => { await api.close(); });

const me = (authorization?: string) => {
  const req = api.http.get('/api/v1/me');
  return authorization === undefined ? req : req.set('Authorization', authorization);
};

function expectUnauthenticated(res: { status: number; body: unknown; headers: Record<string, string> }) {
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(res.headers.location).toBeUndefined();
}

describe('Clerk session tokens', () => {
  it('accepts a valid v2 token and creates the organization with a default project on first use', async () => {
    const orgId = `org_${Date.now()}`;
    const res = await me(`Bearer ${mintClerkToken(keys, { orgId, orgRole: 'admin', userId: 'user_alice' })}`);
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 200,
      body: { organization: { clerkOrgId: orgId, plan: 'free' }, caller: { type: 'user', id: 'user_alice', role: 'org:admin' } },
    });
    const projects = await api.deps.dataSource.query(`SELECT p.slug, p.is_default FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.clerk_org_id = $1`, [orgId]);
    expect(projects).toEqual([{ slug: 'default', is_default: true }]);
  });

  it('accepts v1 org_id claims too and maps both to the same organization', async () => {
    const orgId = `org_v1_${Date.now()}`;
    const v1 = await me(`Bearer ${mintClerkToken(keys, { orgId, claimsVersion: 1 })}`);
    const v2 = await me(`Bearer ${mintClerkToken(keys, { orgId, claimsVersion: 2 })}`);
    expect(v1.status).toBe(200);
    expect(v1.body.organization.id).toBe(v2.body.organization.id);
  });

  it('creates exactly one organization under concurrent first requests', async () => {
    const orgId = `org_race_${Date.now()}`;
    const token = `Bearer ${mintClerkToken(keys, { orgId })}`;
    const results = await Promise.all(Array.from({ length: 8 }, () => me(token)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const [{ n }] = await api.deps.dataSource.query(`SELECT count(*)::int AS n FROM projects p JOIN organizations o ON o.id = p.org_id WHERE o.clerk_org_id = $1`, [orgId]);
    expect(n).toBe(1);
  });

  it('answers 403 to a token without an active organization', async () => {
    const res = await me(`Bearer ${mintClerkToken(keys, { orgId: null })}`);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 403, code: 'NO_ACTIVE_ORGANIZATION' });
  });

  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases: Array<[string, () => string | undefined]> = [
    ['no Authorization header', () => undefined],
    ['a non-Bearer scheme', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['garbage', () => 'Bearer not-a-jwt'],
    ['an expired token', () => `Bearer ${mintClerkToken(keys, { expiresIn: -60 })}`],
    ['a token not valid yet', () => `Bearer ${mintClerkToken(keys, { notBeforeIn: 600 })}`],
    ['a token signed by another key', () => `Bearer ${mintClerkToken(otherKeys)}`],
    ['a tampered payload', () => {
      const [h, , s] = mintClerkToken(keys).split('.');
      return `Bearer ${h}.${b64({ sub: 'user_evil', v: 2, o: { id: 'org_victim' }, exp: Math.floor(Date.now() / 1000) + 300, iat: Math.floor(Date.now() / 1000) })}.${s}`;
    }],
    ['alg none', () => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'user_x', v: 2, o: { id: 'org_x' }, exp: Math.floor(Date.now() / 1000) + 300 })}.`],
    ['a wrong authorized party', () => `Bearer ${mintClerkToken(keys, { azp: 'https://evil.example' })}`],
    ['a token without sub', () => `Bearer ${mintClerkToken(keys, { omit: ['sub'] })}`],
    ['an unknown API key', () => `Bearer cp_live_${'x'.repeat(43)}`],
    ['a malformed API key', () => 'Bearer cp_live_short'],
  ];
  it.each(cases)('answers 401 JSON (never a redirect) to %s', async (_name, authorization) => {
    expectUnauthenticated(await me(authorization()));
  });

  it('answers every rejected session token with one fixed message; Clerk\'s reason goes to the log only', async () => {
    const rejected = await Promise.all([
      me(`Bearer ${mintClerkToken(keys, { expiresIn: -60 })}`),
      me(`Bearer ${mintClerkToken(otherKeys)}`),
      me(`Bearer ${mintClerkToken(keys, { azp: 'https://evil.example' })}`),
    ]);
    expect(new Set(rejected.map((r) => r.body.error?.message))).toEqual(new Set(['session token rejected: sign in again']));
    expect(api.logs()).toMatch(/"clerkReason":"[^"]+".*"msg":"session token rejected"/);
  });
});

describe('organization roles', () => {
  // The token carries the role as Clerk issues it: v2 `o.rol` without the prefix, v1 `org_role` with it.
  it.each([
    [2, 'admin', 'org:admin', 201],
    [2, 'member', 'org:member', 403],
    [1, 'admin', 'org:admin', 201],
    [1, 'member', 'org:member', 403],
    [2, 'billing', 'org:member', 403],
    [1, 'billing', 'org:member', 403],
  ] as const)('v%s claims with role "%s" act as %s (create an API key: %s)', async (claimsVersion, orgRole, role, createStatus) => {
    const orgId = `org_role_v${claimsVersion}_${orgRole}_${Date.now()}`;
    const token = `Bearer ${mintClerkToken(keys, { orgId, orgRole, claimsVersion, userId: 'user_roles' })}`;
    const who = await me(token);
    expect({ status: who.status, caller: who.body.caller }).toEqual({ status: 200, caller: { type: 'user', id: 'user_roles', role } });
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', token).send({ name: 'k' });
    expect({ status: created.status, code: created.body.error?.code }).toEqual({ status: createStatus, code: createStatus === 403 ? 'FORBIDDEN' : undefined });
  });

  it('treats a v2 token without `rol` as a member', async () => {
    const orgId = `org_norole_${Date.now()}`;
    const token = `Bearer ${mintClerkToken(keys, { orgId, extraClaims: { o: { id: orgId, slg: 'norole' } } })}`;
    expect((await me(token)).body.caller.role).toBe('org:member');
    expect((await api.http.post('/api/v1/api-keys').set('Authorization', token).send({ name: 'k' })).status).toBe(403);
  });

  it('tells a member which role is needed, in the one error body', async () => {
    const token = `Bearer ${mintClerkToken(keys, { orgId: `org_rolemsg_${Date.now()}`, orgRole: 'member' })}`;
    const res = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: 'sk-whatever-123' });
    expect({ status: res.status, body: res.body }).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'this action requires the org:admin role; your role is org:member', requestId: expect.any(String) } },
    });
  });
});

describe('API keys', () => {
  it('authenticate as their organization until revoked', async () => {
    const orgId = `org_keys_${Date.now()}`;
    const session = `Bearer ${mintClerkToken(keys, { orgId })}`;
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'CI' });
    expect({ status: created.status, body: created.body }).toMatchObject({ status: 201, body: { name: 'CI', revokedAt: null } });
    expect(created.body.key).toMatch(/^cp_live_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 12));

    const viaKey = await me(`Bearer ${created.body.key}`);
    expect({ status: viaKey.status, body: viaKey.body }).toMatchObject({ status: 200, body: { organization: { clerkOrgId: orgId }, caller: { type: 'api_key', id: created.body.id } } });

    const [stored] = await api.deps.dataSource.query(`SELECT key_hash, last_used_at FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(stored.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.key_hash).not.toContain(created.body.key);
    expect(stored.last_used_at).not.toBeNull();

    const listed = await api.http.get('/api/v1/api-keys').set('Authorization', session);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const revoked = await api.http.delete(`/api/v1/api-keys/${created.body.id}`).set('Authorization', session);
    expect({ status: revoked.status, revokedAt: typeof revoked.body.revokedAt }).toEqual({ status: 200, revokedAt: 'string' });
    expectUnauthenticated(await me(`Bearer ${created.body.key}`));
  });

  it('cannot create or revoke API keys, not even themselves: a leaked key cannot mint its replacement', async () => {
    const orgId = `org_keyself_${Date.now()}`;
    const session = `Bearer ${mintClerkToken(keys, { orgId })}`;
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'leaked' });
    const viaKey = `Bearer ${created.body.key}`;

    const minted = await api.http.post('/api/v1/api-keys').set('Authorization', viaKey).send({ name: 'replacement' });
    expect({ status: minted.status, code: minted.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect(minted.body.error.message).toMatch(/org:admin/);
    const revokedSelf = await api.http.delete(`/api/v1/api-keys/${created.body.id}`).set('Authorization', viaKey);
    expect({ status: revokedSelf.status, code: revokedSelf.body.error?.code }).toEqual({ status: 403, code: 'FORBIDDEN' });

    const listed = await api.http.get('/api/v1/api-keys').set('Authorization', viaKey);
    expect(listed.body.data.map((k: { name: string; revokedAt: string | null }) => [k.name, k.revokedAt])).toEqual([['leaked', null]]);
  });

  it('record the Clerk user id (the session sub) of the admin who created them', async () => {
    const session = `Bearer ${mintClerkToken(keys, { orgId: `org_keyby_${Date.now()}`, userId: 'user_creator_1' })}`;
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'CI' });
    expect({ status: created.status, createdBy: created.body.createdBy, expiresAt: created.body.expiresAt }).toEqual({ status: 201, createdBy: 'user_creator_1', expiresAt: null });
    const [stored] = await api.deps.dataSource.query(`SELECT created_by FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(stored.created_by).toBe('user_creator_1');
    const listed = await api.http.get('/api/v1/api-keys').set('Authorization', session);
    expect(listed.body.data[0]).toMatchObject({ id: created.body.id, createdBy: 'user_creator_1' });
  });

  it('work until their expiry, then answer 401 saying the key expired', async () => {
    const session = `Bearer ${mintClerkToken(keys, { orgId: `org_keyexp_${Date.now()}` })}`;
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'temporary', expiresAt });
    expect({ status: created.status, expiresAt: created.body.expiresAt }).toEqual({ status: 201, expiresAt });
    expect((await me(`Bearer ${created.body.key}`)).status).toBe(200);

    await api.deps.dataSource.query(`UPDATE api_keys SET expires_at = now() - interval '1 second', last_used_at = NULL WHERE id = $1`, [created.body.id]);
    const expired = await me(`Bearer ${created.body.key}`);
    expectUnauthenticated(expired);
    expect(expired.body.error.message).toMatch(/API key expired at \d{4}-\d{2}-\d{2}T/);
    const [stored] = await api.deps.dataSource.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [created.body.id]);
    expect(stored.last_used_at).toBeNull();
  });

  it.each([
    ['in the past', () => new Date(Date.now() - 60_000).toISOString()],
    ['not a date-time', () => 'tomorrow'],
  ])('refuse an expiry %s with 400 naming body.expiresAt', async (_name, expiresAt) => {
    const session = `Bearer ${mintClerkToken(keys, { orgId: `org_keybadexp_${Date.now()}` })}`;
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'k', expiresAt: expiresAt() });
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field: 'body.expiresAt' });
  });

  it('issues test-environment keys on request', async () => {
    const session = `Bearer ${mintClerkToken(keys, { orgId: `org_testkey_${Date.now()}` })}`;
    const created = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'sandbox', environment: 'test' });
    expect(created.body.key).toMatch(/^cp_test_/);
    expect((await me(`Bearer ${created.body.key}`)).status).toBe(200);
  });
});

describe('configuration', () => {
  it('refuses a 4096-bit Clerk key at start-up instead of signing everyone out', () => {
    const big = createClerkTestKeys(4096);
    expect(() => testConfig({}, big)).toThrow(/CLERK_JWT_KEY: must be a 2048-bit RSA key/);
  });
});
