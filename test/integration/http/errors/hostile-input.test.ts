import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';

/**
 * Input Postgres or fetch would refuse (NUL, control characters, lone surrogates, dates Postgres cannot store,
 * crafted cursors, keys that cannot be an HTTP header value) is a 400 naming the field, never a 500.
 * Regressions for the cases the OpenAPI fuzz test (test/integration/http/fuzz) is built to find.
 */
const keys = createClerkTestKeys();
let fakes: ProviderFakes;
let api: TestApi;
let session: string;
let projectId: string;

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');
const UUID = '7b0e7f3c-5a39-4f2e-9d7e-3f1d2a9b8c70';

beforeAll(async () => {
  fakes = await startProviderFakes();
  api = await startTestApi(testConfig({ ...fakes.env, RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  session = `Bearer ${mintClerkToken(keys, { orgId: `org_hostile_${Date.now()}` })}`;
  const created = await api.http.post('/api/v1/projects').set('Authorization', session).send({ name: 'Hostile input' });
  expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
  projectId = created.body.id;
});
afterAll(async () => { await api.close(); await fakes.close(); });

type Res = { status: number; body: any; text: string };
function expect400(res: Res, field: string) {
  expect({ status: res.status, code: res.body?.error?.code, field: res.body?.error?.field, text: res.status === 400 ? '' : res.text })
    .toEqual({ status: 400, code: 'VALIDATION_FAILED', field, text: '' });
  expect(typeof res.body.error.requestId).toBe('string');
}

const get = (url: string) => api.http.get(url).set('Authorization', session);
const send = (method: 'post' | 'put' | 'patch', url: string, body: object) => api.http[method](url).set('Authorization', session).send(body);

describe('control characters and broken Unicode in text', () => {
  it.each([
    ['NUL', 'a\u0000b'], ['bell', 'ring\u0007'], ['escape', '\u001b[31mred'], ['newline', 'two\nlines'], ['DEL', 'x\u007f'],
    ['C1 control', 'x\u0085'], ['lone high surrogate', 'x\ud800'], ['lone low surrogate', '\udc00x'],
  ])('rejects %s in names', async (_what, name) => {
    expect400(await send('post', '/api/v1/projects', { name }), 'body.name');
    expect400(await send('patch', `/api/v1/projects/${projectId}`, { name }), 'body.name');
    expect400(await send('post', '/api/v1/api-keys', { name }), 'body.name');
  });

  it('still accepts ordinary Unicode, emoji (surrogate pairs) included', async () => {
    const res = await send('post', '/api/v1/projects', { name: 'Forschung — 研究 🌍' });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201, body: { name: 'Forschung — 研究 🌍' } });
  });

  it('rejects NUL and control characters in query filters', async () => {
    expect400(await get('/api/v1/telemetry/summary?model=gpt%00'), 'query.model');
    expect400(await get('/api/v1/telemetry/events?model=%1B'), 'query.model');
    expect400(await get('/api/v1/export?model=a%00b'), 'query.model');
    expect400(await get('/api/v1/projects?cursor=%00'), 'query.cursor');
  });
});

describe('dates Postgres cannot store', () => {
  it.each([
    ['year 0', 'from=0000-01-01&to=0000-02-01', 'query.from'],
    ['year 0 in to', 'from=0000-12-01&to=0001-01-01', 'query.from'],
    ['before 1970', 'from=1969-12-01&to=1969-12-31', 'query.from'],
  ])('rejects %s in telemetry ranges', async (_what, range, field) => {
    for (const path of ['summary', 'models', 'events']) expect400(await get(`/api/v1/telemetry/${path}?${range}`), field);
    expect400(await get(`/api/v1/export?${range}`), field);
  });

  it('accepts days up to 9999-12-31', async () => {
    const res = await get('/api/v1/telemetry/summary?from=9999-12-01&to=9999-12-31');
    expect({ status: res.status, range: res.body.range }).toEqual({ status: 200, range: { from: '9999-12-01', to: '9999-12-31' } });
  });

  it.each([
    '0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59', '275760-09-13T00:00:00Z', '2030-02-30T00:00:00Z',
  ])('rejects expiresAt %s', async (expiresAt) => {
    expect400(await send('post', '/api/v1/api-keys', { name: 'k', expiresAt }), 'body.expiresAt');
  });
});

describe('crafted cursors', () => {
  it.each([
    ['a non-uuid id', `2024-01-01T00:00:00.000Z|------------------------------------`],
    ['a 20-digit id', `2024-01-01T00:00:00.000Z|99999999999999999999`],
    ['at="1"', `1|${UUID}`],
    ['year 0', `0000-01-01T00:00:00.000Z|${UUID}`],
    ['an expanded year', `+275760-09-13T00:00:00.000Z|${UUID}`],
    ['extra parts', `2024-01-01T00:00:00.000Z|${UUID}|x`],
  ])('rejects a list cursor with %s', async (_what, text) => {
    for (const path of ['projects', 'api-keys', 'connections']) expect400(await get(`/api/v1/${path}?cursor=${cursorOf(text)}`), 'query.cursor');
  });

  it.each([
    ['a 20-digit id', '2024-01-01T00:00:00.000Z|99999999999999999999'],
    ['a uuid id', `2024-01-01T00:00:00.000Z|${UUID}`],
    ['at="1"', '1|42'],
    ['at in a format Postgres reads differently', 'Tue Jan 02 2024|42'],
    ['year 0', '0000-01-01T00:00:00.000Z|42'],
  ])('rejects an events cursor with %s', async (_what, text) => {
    expect400(await get(`/api/v1/telemetry/events?cursor=${cursorOf(text)}`), 'query.cursor');
  });

  it('still accepts the cursors the endpoints hand out', async () => {
    await send('post', '/api/v1/projects', { name: 'Second' });
    const first = await get('/api/v1/projects?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const next = await get(`/api/v1/projects?limit=1&cursor=${first.body.nextCursor}`);
    expect({ status: next.status, body: next.body }).toMatchObject({ status: 200, body: { data: [expect.anything()] } });
    expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
    const events = await get(`/api/v1/telemetry/events?cursor=${cursorOf('2024-01-01T00:00:00.000Z|42')}`);
    expect({ status: events.status, body: events.body }).toMatchObject({ status: 200, body: { data: [] } });
  });
});

describe('provider keys that cannot be an HTTP header value', () => {
  it.each([
    ['a control character', 'sk-admin-\u0001-000000000000'], ['NUL', 'sk-admin-\u0000-000000000000'], ['DEL', 'sk-admin-\u007f-000000000000'],
    ['a non-ASCII letter', 'sk-ädmin-0000000000000000'], ['an emoji', 'sk-admin-🔑-000000000000'], ['a lone surrogate', 'sk-admin-\ud800-00000000000'],
  ])('rejects a key with %s', async (_what, apiKey) => {
    expect400(await send('post', '/api/v1/connections', { provider: 'openai', apiKey }), 'body.apiKey');
    expect400(await send('put', `/api/v1/connections/${UUID}/key`, { apiKey }), 'body.apiKey');
  });
});

describe('path segments that are not valid percent-encoding', () => {
  it.each(['%', '%E0%A4%A', '%ZZ', '%ED%A0%80'])('answers /projects/%s with 400 naming the path parameters', async (segment) => {
    expect400(await get(`/api/v1/projects/${segment}`), 'params');
    expect400(await api.http.patch(`/api/v1/connections/${segment}/key`).set('Authorization', session).send({ apiKey: 'sk-admin-0000000000' }), 'params');
  });
});
