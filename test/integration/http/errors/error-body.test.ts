import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const keys = createClerkTestKeys();
let api: TestApi;
let session: string;

beforeAll(async () => {
  api = await startTestApi(testConfig({}, keys));
  session = `Bearer ${mintClerkToken(keys, { orgId: `org_errors_${Date.now()}` })}`;
});
afterAll(async () => { await api.close(); });

function expectErrorBody(res: { status: number; body: any; headers: Record<string, string>; text: string }, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  expect(res.text).not.toMatch(/<html|at [\w.]+ \(|node_modules/);
}

describe('the one error body', () => {
  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).set('Content-Type', 'application/json').send('{"name": ');
    expectErrorBody(res, 400, 'MALFORMED_JSON');
  });

  it('answers a body over 1 MB with 413', async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'x'.repeat(1_100_000) }));
    expectErrorBody(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 JSON', async () => {
    expectErrorBody(await api.http.get('/no/such/route'), 404, 'NOT_FOUND');
    expectErrorBody(await api.http.get('/api/v1/no-such-resource').set('Authorization', session), 404, 'NOT_FOUND');
  });

  it('answers a validation failure with 400 naming the field', async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: '' });
    expectErrorBody(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.field).toBe('body.name');
  });

  it('rejects unknown fields rather than silently ignoring them (mass assignment)', async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).send({ name: 'k', org_id: '00000000-0000-0000-0000-000000000000', revokedAt: null });
    expectErrorBody(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toMatch(/org_id/);
  });

  it('answers a malformed id with 400 and a foreign or missing id with 404', async () => {
    const bad = await api.http.delete('/api/v1/api-keys/not-a-uuid').set('Authorization', session);
    expectErrorBody(bad, 400, 'VALIDATION_FAILED');
    expect(bad.body.error.field).toBe('params.id');
    expectErrorBody(await api.http.delete('/api/v1/api-keys/7b0e7f3c-5a39-4f2e-9d7e-3f1d2a9b8c70').set('Authorization', session), 404, 'NOT_FOUND');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await api.http.post('/api/v1/api-keys').set('Authorization', session).set('Content-Type', 'text/plain').send('name=x');
    expectErrorBody(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a bad cursor with 400', async () => {
    expectErrorBody(await api.http.get('/api/v1/api-keys?cursor=zzz').set('Authorization', session), 400, 'VALIDATION_FAILED');
    expectErrorBody(await api.http.get('/api/v1/api-keys?limit=1000').set('Authorization', session), 400, 'VALIDATION_FAILED');
  });
});

describe('request ids', () => {
  it('echoes a given x-request-id and puts it on every log line of the request', async () => {
    const res = await api.http.get('/api/v1/me').set('Authorization', session).set('x-request-id', 'trace-abc-123');
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    const lines = api.logs().split('\n').filter((l) => l.includes('trace-abc-123'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line).requestId).toBe('trace-abc-123');
  });

  it('generates one when missing or unacceptable', async () => {
    const generated = await api.http.get('/health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const replaced = await api.http.get('/health').set('x-request-id', 'bad id with spaces <script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs the Authorization header', async () => {
    await api.http.get('/api/v1/me').set('Authorization', session);
    expect(api.logs()).not.toContain(session.slice(7));
  });
});

describe('documentation and metrics', () => {
  it('serves an OpenAPI document generated from the contracts', async () => {
    const res = await api.http.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/health', '/api/v1/me', '/api/v1/api-keys', '/api/v1/api-keys/{id}']));
    expect(res.body.paths['/api/v1/api-keys'].post.requestBody.content['application/json'].schema).toBeDefined();
  });

  it('serves a docs page whose assets load locally', async () => {
    const page = await api.http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    expect((await api.http.get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await api.http.get('/docs/init.js')).text).toContain('/openapi.json');
  });

  it('records HTTP latency by route for the metrics port (never served on the API port)', async () => {
    await api.http.get('/health');
    expect((await api.http.get('/metrics')).status).toBe(404);
    expect(await api.deps.metrics.metrics()).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\}/);
  });
});
