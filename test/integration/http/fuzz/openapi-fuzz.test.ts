import fc from 'fast-check';
import { ErrorBody } from '../../../../contracts/errors';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { startStripeFake, type StripeFake } from '../../../fakes/stripe.fake';
import { testConfig, testEnv } from '../../../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../../../helpers/provider-fakes';
import {
  craftedPathParam, craftedQuery, hostileString, percentEncode, validObject, validValue, wrongValue, type JsonSchema, type Seeded,
} from './openapi-arbitraries';

/**
 * Every operation of /openapi.json, fed generated requests: valid ones first, then mutated ones (wrong types,
 * missing and extra fields, huge and broken strings, edge numbers, unknown enums, malformed JSON, wrong content
 * types, crafted path params and query strings), with and without credentials. No answer may be a 5xx, and
 * every error must be the one error body. FUZZ_SEED reproduces a run; the seed is printed.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20260906);
const VALID_RUNS = 40;
const MUTATED_RUNS = 110;
/** Node's HTTP parser answers a request line over 16 KB itself (431, no body): URLs stay well below it. */
const URL_STRING = { maxHuge: 2_000 };

const keys = createClerkTestKeys();
let fakes: ProviderFakes;
let stripe: StripeFake;
let api: TestApi;
let seeded: Seeded;
let auth: Record<string, string | undefined>;

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
interface Parameter { name: string; in: 'path' | 'query'; required?: boolean; schema: JsonSchema }
interface Operation { method: Method; path: string; parameters: Parameter[]; body?: JsonSchema; isPublic: boolean }
interface FuzzRequest { pathParams: Record<string, string>; query: string[]; body?: string; contentType?: string; auth: string }

beforeAll(async () => {
  fakes = await startProviderFakes();
  // Billing configured against the Stripe imitation: without settings its routes answer 503 by design. The webhook
  // secret too, so POST /webhooks/stripe checks the fuzzer's signatures (400) instead of answering 503.
  stripe = await startStripeFake();
  const env = testEnv({ ...fakes.env, ...stripe.env({ webhookSecret: 'whsec_fuzz' }), RATE_LIMIT_API_PER_MINUTE: '1000000', RATE_LIMIT_PUBLIC_PER_MINUTE: '1000000' }, keys);
  api = await startTestApi(testConfig(env, keys));
  const orgId = `org_fuzz_${Date.now()}`;
  const token = (orgRole: string) => `Bearer ${mintClerkToken(keys, { orgId, orgRole, expiresIn: 3600 })}`;
  const admin = token('admin');
  const post = async (path: string, body: object) => {
    const res = await api.http.post(path).set('Authorization', admin).send(body);
    if (res.status !== 201) throw new Error(`seeding ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  // The key the fuzzer authenticates with is not among the ids it may revoke.
  const authKey = await post('/api/v1/api-keys', { name: 'fuzz auth' });
  const revocable = await post('/api/v1/api-keys', { name: 'fuzz target' });
  const project = await post('/api/v1/projects', { name: 'Fuzz' });
  const openai = await post('/api/v1/connections', { provider: 'openai', apiKey: GOOD_KEYS.openai });
  const anthropic = await post('/api/v1/connections', { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic, projectId: project.id });
  seeded = {
    projectIds: [project.id, openai.projectId], connectionIds: [openai.id, anthropic.id], apiKeyIds: [revocable.id],
    goodProviderKeys: [GOOD_KEYS.openai, GOOD_KEYS.anthropic, GOOD_KEYS.openrouter],
  };
  auth = {
    admin, apiKey: `Bearer ${authKey.key}`, member: token('member'), none: undefined, garbage: 'Bearer not.a.token',
    noOrg: `Bearer ${mintClerkToken(keys, { orgId: null })}`, otherOrg: `Bearer ${mintClerkToken(keys, { orgId: `${orgId}_other` })}`,
    revokedKeyShape: `Bearer cp_live_${'A'.repeat(43)}`,
  };
});
afterAll(async () => { await api?.close(); await fakes?.close(); await stripe?.close(); });

function operationsOf(doc: any): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      ops.push({
        method: method as Method, path, parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema, isPublic: (op.security ?? []).length === 0,
      });
    }
  }
  // Deletes last, so the other operations see the seeded rows.
  return ops.sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
}

const paramsSchema = (op: Operation, where: 'path' | 'query'): JsonSchema => {
  const ps = op.parameters.filter((p) => p.in === where);
  return { type: 'object', properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])), required: ps.filter((p) => p.required).map((p) => p.name) };
};

const toQuery = (values: Record<string, unknown>) => Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${percentEncode(String(v))}`);

function validRequest(op: Operation, resolve: (s: JsonSchema) => JsonSchema, authNames: string[]): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    pathParams: validObject(paramsSchema(op, 'path'), seeded, resolve).map((v) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, percentEncode(String(x))]))),
    query: validObject(paramsSchema(op, 'query'), seeded, resolve).map(toQuery),
    body: op.body ? validValue(op.body, seeded, resolve).map((b) => JSON.stringify(b)) : fc.constant(undefined),
    contentType: fc.constant(op.body ? 'application/json' : undefined),
    auth: fc.constantFrom(...authNames),
  });
}

/** One mutation of a valid request. */
function mutatedRequest(op: Operation, resolve: (s: JsonSchema) => JsonSchema): fc.Arbitrary<FuzzRequest> {
  const base = validRequest(op, resolve, Object.keys(auth));
  const bodyFields = Object.keys(resolve(op.body ?? {}).properties ?? {});
  const queryNames = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const withBody = (r: FuzzRequest, edit: (b: Record<string, unknown>) => unknown) => {
    const parsed = r.body ? JSON.parse(r.body) : {};
    return { ...r, body: JSON.stringify(edit(typeof parsed === 'object' && parsed !== null ? parsed : {})), contentType: 'application/json' };
  };
  const field = fc.constantFrom(...bodyFields, 'name', 'org_id', 'id', '__proto__', 'constructor', '', 'x'.repeat(300));
  const mutations: fc.Arbitrary<FuzzRequest>[] = [
    fc.tuple(base, field, wrongValue).map(([r, k, v]) => withBody(r, (b) => ({ ...b, [k]: v }))),
    fc.tuple(base, fc.constantFrom(...bodyFields, 'missing')).map(([r, k]) => withBody(r, (b) => { delete b[k]; return b; })),
    fc.tuple(base, fc.string({ maxLength: 20 }), wrongValue).map(([r, k, v]) => withBody(r, (b) => ({ ...b, [k]: v }))),
    fc.tuple(base, wrongValue).map(([r, v]) => withBody(r, () => v)),
    fc.tuple(base, field, fc.constantFrom('not-a-provider', 'OPENAI', 'csv ', 'live\u0000', 'true')).map(([r, k, v]) => withBody(r, (b) => ({ ...b, [k]: v }))),
    fc.tuple(base, fc.constantFrom('{', '{"name":', '[1,', 'nul', '{"a":1}}', '"\\ud800"', '{"name":"\\u0000"}', '1e999999', '\u0000', '{"name":"a"', '\ufeff{}', '{"__proto__":{"x":1}}'))
      .map(([r, body]) => ({ ...r, body, contentType: 'application/json' })),
    fc.tuple(base, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16',
      'application/json; charset=latin1', 'application/xml', 'application/json-patch+json', 'application/*', '*/*', 'application/json; boundary=";'))
      .map(([r, contentType]) => ({ ...r, body: r.body ?? '{}', contentType })),
    fc.tuple(base, fc.constantFrom(...queryNames, 'unknown'), hostileString(URL_STRING)).map(([r, k, v]) => ({ ...r, query: [...r.query.filter((q) => !q.startsWith(`${k}=`)), `${k}=${percentEncode(v)}`] })),
    fc.tuple(base, craftedQuery([...queryNames, 'limit', 'cursor'])).map(([r, q]) => ({ ...r, query: [...r.query, q] })),
  ];
  if (pathNames.length) mutations.push(fc.tuple(base, fc.constantFrom(...pathNames), craftedPathParam).map(([r, k, v]) => ({ ...r, pathParams: { ...r.pathParams, [k]: v } })));
  return fc.oneof(...mutations);
}

const urlOf = (op: Operation, r: FuzzRequest) =>
  op.path.replace(/\{(\w+)\}/g, (_m, name: string) => r.pathParams[name] ?? 'missing') + (r.query.length ? `?${r.query.join('&')}` : '');

async function send(op: Operation, r: FuzzRequest) {
  let req = api.http[op.method](urlOf(op, r));
  const authorization = auth[r.auth];
  if (authorization) req = req.set('Authorization', authorization);
  if (r.contentType) req = req.set('Content-Type', r.contentType);
  if (r.body !== undefined) req = req.send(r.body);
  return req;
}

/** Why a response breaks the promise, or undefined. */
function problemOf(res: { status: number; headers: Record<string, string>; body: unknown }): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  if (res.status < 400) return undefined;
  if (!/^application\/json/.test(res.headers['content-type'] ?? '')) return `error with content-type ${res.headers['content-type']}`;
  const parsed = ErrorBody.safeParse(res.body);
  if (!parsed.success || Object.keys(res.body as object).length !== 1) return 'error not in the one error body';
  if (!parsed.data.error.requestId) return 'error without a request id';
  if (res.status === 400 && parsed.data.error.code === 'VALIDATION_FAILED' && !parsed.data.error.field) return '400 VALIDATION_FAILED without a field';
  return undefined;
}

it('answers every generated request below 500, every error in the one error body', async () => {
  const doc = (await api.http.get('/openapi.json')).body;
  const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? resolve(s.$ref.split('/').slice(1).reduce((o: any, k) => o[k], doc)) : s);
  const operations = operationsOf(doc);
  expect(operations.length).toBeGreaterThan(0);
  const failures: string[] = [];
  const counts: string[] = [];
  const started = Date.now();
  console.log(`openapi fuzz: seed ${SEED} (FUZZ_SEED=${SEED} reproduces), ${operations.length} operations`);

  for (const op of operations) {
    const name = `${op.method.toUpperCase()} ${op.path}`;
    const statuses = new Map<number, number>();
    let sent = 0;
    const check = (kind: string) => async (r: FuzzRequest) => {
      const res = await send(op, r);
      sent += 1;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const problem = problemOf(res);
      if (problem && failures.length < 50) {
        failures.push(`${name} (${kind}, auth ${r.auth}): ${problem}\n  request: ${JSON.stringify({ url: urlOf(op, r), contentType: r.contentType, body: r.body?.slice(0, 300) })}\n  response: ${res.text?.slice(0, 300)}`);
      }
    };
    // Valid requests as the callers that may make them; then every mutation, with every kind of caller.
    const validAuth = op.isPublic ? ['none'] : op.method === 'get' ? ['admin', 'apiKey', 'member'] : ['admin', 'apiKey'];
    await fc.assert(fc.asyncProperty(validRequest(op, resolve, validAuth), check('valid')), { seed: SEED, numRuns: VALID_RUNS });
    await fc.assert(fc.asyncProperty(mutatedRequest(op, resolve), check('mutated')), { seed: SEED, numRuns: MUTATED_RUNS });
    counts.push(`${name.padEnd(42)} ${String(sent).padStart(4)} requests  ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  }
  console.log(`openapi fuzz: seed ${SEED}, ${Date.now() - started} ms\n${counts.join('\n')}`);
  expect(failures).toEqual([]);
}, 120_000);
