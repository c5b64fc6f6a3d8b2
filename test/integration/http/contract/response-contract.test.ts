import request from 'supertest';
import { z } from 'zod';
import { createApp } from '../../../../src/http/app';
import type { ContractViolation } from '../../../../src/http/middleware/response-contract';
import { defineRoute, type RouteSpec } from '../../../../src/http/route';
import { ROUTES } from '../../../../src/http/routes';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

/** The check startTestApi installs for the whole suite, shown on routes that break their contracts on purpose. */
const keys = createClerkTestKeys();
let api: TestApi;
let violations: ContractViolation[];
let http: ReturnType<typeof request>;
let token: string;

const Thing = z.object({ id: z.string(), size: z.number().int() });
let answer: unknown;
let streamType = 'text/csv; charset=utf-8';
const routes: RouteSpec[] = [
  defineRoute({ method: 'get', path: '/public/test-thing', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: Thing }, handler: async () => answer }),
  defineRoute({ method: 'get', path: '/public/test-status', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: Thing },
    handler: async ({ res }) => { res.status(201).json({ id: 'a', size: 1 }); return undefined; } }),
  defineRoute({ method: 'get', path: '/public/test-bad-error', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: Thing }, errors: [404],
    handler: async ({ res }) => { res.status(404).json({ message: 'gone' }); return undefined; } }),
  defineRoute({ method: 'get', path: '/public/test-undocumented-error', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: Thing },
    handler: async ({ res }) => { res.status(409).json({ error: { code: 'CONFLICT', message: 'x', requestId: 'r' } }); return undefined; } }),
  defineRoute({ method: 'get', path: '/public/test-text', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: z.string(), contentType: 'text/plain' },
    handler: async ({ res }) => { res.type('text/html').send('<p>not text</p>'); return undefined; } }),
  defineRoute({ method: 'get', path: '/public/test-stream', summary: 't', tag: 't', auth: 'public', response: { status: 200, schema: z.string(), contentType: 'text/csv' },
    handler: async ({ res }) => { res.status(200).setHeader('Content-Type', streamType); res.write('a,b\n'); res.end('1,2\n'); return undefined; } }),
  defineRoute({ method: 'post', path: '/api/v1/test-things', summary: 't', tag: 't', auth: 'organization', access: 'member', body: z.object({ size: z.number() }),
    response: { status: 201, schema: Thing }, handler: async ({ body }) => ({ id: 'new', size: body.size }) }),
];

beforeAll(async () => {
  api = await startTestApi(testConfig({}, keys));
  http = request(createApp(api.deps, [...ROUTES, ...routes], { onContractViolation: (v) => { violations.push(v); } }));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_contract_${Date.now()}`, orgRole: 'admin' })}`;
});
beforeEach(() => { violations = []; answer = { id: 'a', size: 1 }; });
afterAll(async () => { await api?.close(); });

describe('response contract check', () => {
  it('lets an answer that matches its schema through unchanged', async () => {
    const res = await http.get('/public/test-thing');
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { id: 'a', size: 1 } });
    expect(violations).toEqual([]);
  });

  it('turns a body that breaks the schema into a 500 naming the field, and reports it', async () => {
    answer = { id: 'a', size: 1.5 };
    const res = await http.get('/public/test-thing');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('size') });
    expect(violations).toEqual([expect.objectContaining({ method: 'GET', path: '/public/test-thing', status: 200, problem: expect.stringContaining('size') })]);
  });

  it('reports a status other than the documented one', async () => {
    expect((await http.get('/public/test-status')).status).toBe(500);
    expect(violations.map((v) => v.problem)).toEqual(['status 201, the contract says 200']);
  });

  it('reports an error outside the one error body, and an undocumented error status', async () => {
    await http.get('/public/test-bad-error');
    await http.get('/public/test-undocumented-error');
    expect(violations.map((v) => `${v.path}: ${v.problem}`)).toEqual([
      expect.stringMatching(/^\/public\/test-bad-error: error body error: /),
      '/public/test-undocumented-error: status 409 is not documented for this route',
    ]);
  });

  it('reports a content type the contract does not name', async () => {
    await http.get('/public/test-text');
    expect(violations.map((v) => v.problem)).toEqual([expect.stringContaining('content type text/html')]);
  });

  it('checks a streamed answer by its status and content type (its body goes out as it was)', async () => {
    expect((await http.get('/public/test-stream')).text).toBe('a,b\n1,2\n');
    expect(violations).toEqual([]);
    streamType = 'application/octet-stream';
    const res = await http.get('/public/test-stream');
    expect({ status: res.status, text: res.body.toString() }).toEqual({ status: 200, text: 'a,b\n1,2\n' });
    expect(violations.map((v) => v.problem)).toEqual([expect.stringContaining('content type application/octet-stream')]);
    streamType = 'text/csv; charset=utf-8';
  });

  it('accepts the documented errors of the app in front of the routes and checks idempotent replays', async () => {
    const unauthenticated = await http.post('/api/v1/test-things').send({ size: 2 });
    const invalid = await http.post('/api/v1/test-things').set('Authorization', token).send({ size: 'big' });
    const key = `contract-${Date.now()}`;
    const first = await http.post('/api/v1/test-things').set('Authorization', token).set('Idempotency-Key', key).send({ size: 2 });
    const replay = await http.post('/api/v1/test-things').set('Authorization', token).set('Idempotency-Key', key).send({ size: 2 });
    expect([unauthenticated.status, invalid.status, first.status]).toEqual([401, 400, 201]);
    expect({ status: replay.status, replayed: replay.headers['idempotent-replayed'], body: replay.body }).toEqual({ status: 201, replayed: 'true', body: { id: 'new', size: 2 } });
    expect(violations).toEqual([]);
  });
});
