import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const keys = createClerkTestKeys();
let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_public_estimate_${Date.now()}` })}`;
});
afterAll(async () => { await api.close(); });

const publicEstimate = (body: object) => api.http.post('/public/estimate').send(body);

describe('POST /public/estimate', () => {
  it.each([
    { model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 1000, outputTokens: 1000 },
    { model: 'claude-sonnet-4-20250514', provider: 'anthropic', inputTokens: 10_000, cachedTokens: 8000, cacheWriteTokens: 1000, outputTokens: 500, reasoningTokens: 400 },
    { model: 'acme/brand-new-model', inputTokens: 10, outputTokens: 10 },
  ])('answers %j without an account with exactly the figures of the authenticated endpoint', async (body) => {
    const open = await publicEstimate(body);
    const authenticated = await api.http.post('/api/v1/estimate').set('Authorization', token).send(body);
    expect({ status: open.status, body: open.body }).toEqual({ status: 200, body: authenticated.body });
    expect(authenticated.status).toBe(200);
  });

  it('states the published factors (the same numbers the authenticated endpoint test pins)', async () => {
    const res = await publicEstimate({ model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 1000, outputTokens: 1000 });
    expect(res.body).toMatchObject({ tier: 'large', factorVersion: '1.0', isUnmatched: false, energyWh: { central: '1.2036', low: '0.3808', high: '3.875' }, co2eG: { central: '0.445332', low: '0.07616', high: '1.86' } });
  });

  it.each([
    [{ model: '', inputTokens: 1, outputTokens: 1 }, 'body.model'],
    [{ model: 'gpt-4o', inputTokens: -1, outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', inputTokens: 10, cachedTokens: 20, outputTokens: 1 }, 'body.cachedTokens'],
    [{ model: 'gpt-4o', inputTokens: 10, outputTokens: 1, provider: 'acme' }, 'body.provider'],
    [{ model: 'gpt-4o', inputTokens: 10, outputTokens: 1, orgId: 'x' }, 'body'],
  ])('answers %j with 400 naming %s, in the one error body', async (body, field) => {
    const res = await publicEstimate(body);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('is in the OpenAPI document as public, with the estimate schemas', async () => {
    const op = (await api.http.get('/openapi.json')).body.paths['/public/estimate']?.post;
    expect(op).toBeDefined();
    expect(op['x-required-access']).toBeUndefined();
    expect(op.requestBody.content['application/json'].schema).toBeDefined();
    expect(op.responses['200'].content['application/json'].schema).toBeDefined();
  });
});

describe('POST /public/estimate per-IP limit', () => {
  let limited: TestApi;
  beforeAll(async () => { limited = await startTestApi(testConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: '3' }, keys)); });
  afterAll(async () => { await limited.close(); });

  it('answers 429 with Retry-After past the per-IP limit, like the other public routes', async () => {
    const body = { model: 'gpt-4o', inputTokens: 10, outputTokens: 5 };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.http.post('/public/estimate').send(body)).status);
    const over = await limited.http.post('/public/estimate').send(body);
    expect([...statuses, over.status]).toEqual([200, 200, 200, 429]);
    expect(over.body.error).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('Retry-After') });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(60);
  });
});
