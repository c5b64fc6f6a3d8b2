import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIConnectionError, CarbonPlan, ConflictError, RateLimitError, ServiceUnavailableError } from '../../../sdk/typescript/src';

/**
 * The SDK's retries against a small local HTTP server that answers from a script (503, 429 with Retry-After,
 * dropped connections, then 200), recording what each attempt sent and when it arrived.
 */
interface Attempt { method: string; url: string; idempotencyKey: string | undefined; authorization: string | undefined; body: string; at: number }
type Step = { status: number; headers?: Record<string, string>; body?: unknown } | 'drop';

let server: http.Server;
let baseUrl: string;
let script: Step[];
let attempts: Attempt[];

const errorBody = (code: string, message = code) => ({ error: { code, message, requestId: 'req-test' } });
const estimate = { model: 'gpt-4o', tier: 'large', matchedRule: 'gpt-4o*', isUnmatched: false, factorVersion: 'v1.0', energyWh: { central: '1', low: '0.5', high: '2' }, co2eG: { central: '0.4', low: '0.2', high: '0.8' } };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      attempts.push({ method: req.method!, url: req.url!, idempotencyKey: req.headers['idempotency-key'] as string | undefined, authorization: req.headers.authorization, body, at: Date.now() });
      const step = script.shift() ?? { status: 200, body: estimate };
      if (step === 'drop') { req.socket.destroy(); return; }
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(step.body === undefined ? '' : JSON.stringify(step.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
beforeEach(() => { script = []; attempts = []; });

const client = (options: ConstructorParameters<typeof CarbonPlan>[0] = {}) =>
  new CarbonPlan({ apiKey: 'cp_test_key', baseUrl, initialRetryDelay: 20, maxRetryDelay: 100, ...options });
const request = { model: 'gpt-4o', inputTokens: 1000, outputTokens: 200 };

describe('retries', () => {
  it('retries a POST after 503 and 429, sending the same Idempotency-Key each time, and waits the Retry-After seconds', async () => {
    script = [
      { status: 503, body: errorBody('SERVICE_UNAVAILABLE') },
      { status: 429, headers: { 'retry-after': '1' }, body: errorBody('RATE_LIMITED') },
      { status: 200, body: estimate },
    ];
    const result = await client({ maxRetries: 3 }).estimate.create(request);
    expect(result).toEqual(estimate);
    expect(attempts).toHaveLength(3);
    const keys = attempts.map((a) => a.idempotencyKey);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(1);
    expect(attempts.every((a) => JSON.parse(a.body).inputTokens === 1000)).toBe(true);
    // Backoff after the 503 is at most 20 ms (jittered); after the 429 the server's one second.
    expect(attempts[1].at - attempts[0].at).toBeLessThan(500);
    expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(990);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    script = [{ status: 503, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() }, body: errorBody('SERVICE_UNAVAILABLE') }];
    await client().estimate.create(request);
    expect(attempts).toHaveLength(2);
    // The date has one-second resolution: the wait is between 1 and 2 seconds.
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(990);
  });

  it('uses a new key for each new POST and none on GET', async () => {
    const cp = client();
    await cp.estimate.create(request);
    await cp.estimate.create(request);
    script = [{ status: 200, body: { data: [], nextCursor: null } }];
    await cp.projects.list();
    expect(attempts.map((a) => a.method)).toEqual(['POST', 'POST', 'GET']);
    expect(attempts[0].idempotencyKey).not.toBe(attempts[1].idempotencyKey);
    expect(attempts[2].idempotencyKey).toBeUndefined();
  });

  it('keeps a caller-chosen Idempotency-Key', async () => {
    script = [{ status: 502, body: errorBody('PROVIDER_UNREACHABLE') }];
    await client().estimate.create(request, { idempotencyKey: 'order-42' });
    expect(attempts.map((a) => a.idempotencyKey)).toEqual(['order-42', 'order-42']);
  });

  it('retries a dropped connection (network error) and succeeds', async () => {
    script = ['drop', 'drop'];
    expect(await client({ maxRetries: 2 }).estimate.create(request)).toEqual(estimate);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((a) => a.idempotencyKey)).size).toBe(1);
  });

  it('gives up after maxRetries with the last typed error', async () => {
    script = [{ status: 503, body: errorBody('SERVICE_UNAVAILABLE') }, { status: 503, body: errorBody('SERVICE_UNAVAILABLE', 'still down') }];
    const error = await client({ maxRetries: 1 }).estimate.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', message: 'still down', requestId: 'req-test' });
    expect(attempts).toHaveLength(2);
  });

  it('raises APIConnectionError when nothing answers, after its retries', async () => {
    script = ['drop', 'drop', 'drop'];
    const error = await client({ maxRetries: 2 }).estimate.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED', status: undefined });
    expect(attempts).toHaveLength(3);
  });

  it('does not wait for a Retry-After longer than maxRetryAfter: the RateLimitError comes at once', async () => {
    script = [{ status: 429, headers: { 'retry-after': '120' }, body: errorBody('RATE_LIMITED') }];
    const started = Date.now();
    const error = await client({ maxRetries: 3 }).estimate.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(120);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(attempts).toHaveLength(1);
  });

  it('retries 409 IDEMPOTENCY_KEY_IN_USE (the first attempt still running) but not another 409 or BILLING_NOT_CONFIGURED', async () => {
    script = [{ status: 409, headers: { 'retry-after': '0' }, body: errorBody('IDEMPOTENCY_KEY_IN_USE') }];
    expect(await client().estimate.create(request)).toEqual(estimate);
    expect(attempts).toHaveLength(2);

    attempts = [];
    script = [{ status: 409, body: errorBody('CONFLICT') }];
    expect(await client().estimate.create(request).catch((e: unknown) => e)).toBeInstanceOf(ConflictError);
    script = [{ status: 503, body: errorBody('BILLING_NOT_CONFIGURED') }];
    expect(await client().billing.status().catch((e: unknown) => e)).toBeInstanceOf(ServiceUnavailableError);
    expect(attempts).toHaveLength(2);
  });

  it('chooses the error class by status when the body has no code', async () => {
    script = [{ status: 504, headers: { 'content-type': 'text/html' }, body: undefined }, { status: 504, body: undefined }];
    const error = await client({ maxRetries: 1 }).estimate.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 504, code: undefined });
  });

  it('times out an attempt that gets no answer and retries it', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const cp = new CarbonPlan({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, timeout: 200, maxRetries: 1, initialRetryDelay: 10 });
      const started = Date.now();
      const error = await cp.billing.status().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(APIConnectionError);
      expect(error).toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('streams', () => {
  it('hands out the export body while the server is still sending it', async () => {
    let finish: () => void = () => undefined;
    const slow = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="usage.csv"' });
      res.write('id,model\n');
      finish = () => res.end('1,gpt-4o\n');
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const cp = new CarbonPlan({ apiKey: 'cp_test_key', baseUrl: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`, timeout: 300 });
      const download = await cp.export.stream({ from: '2026-01-01' });
      const iterator = download[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect(String(first.value)).toBe('id,model\n');
      // Longer than the timeout: it covers waiting for the answer, not reading a long download.
      await new Promise((resolve) => setTimeout(resolve, 400));
      finish();
      const rest = await iterator.next();
      expect(String(rest.value)).toBe('1,gpt-4o\n');
      expect((await iterator.next()).done).toBe(true);
      expect(download.filename).toBe('usage.csv');
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});

describe('configuration', () => {
  it('reads CARBONPLAN_API_KEY and CARBONPLAN_BASE_URL when no options are given, and defaults to 127.0.0.1:3000', async () => {
    const saved = { key: process.env.CARBONPLAN_API_KEY, url: process.env.CARBONPLAN_BASE_URL };
    try {
      delete process.env.CARBONPLAN_BASE_URL;
      delete process.env.CARBONPLAN_API_KEY;
      expect(new CarbonPlan().config).toMatchObject({ baseUrl: 'http://127.0.0.1:3000', apiKey: undefined });
      process.env.CARBONPLAN_API_KEY = 'cp_test_from_env';
      process.env.CARBONPLAN_BASE_URL = `${baseUrl}/`;
      await new CarbonPlan({ initialRetryDelay: 1 }).estimate.create(request);
      expect(attempts.map((a) => [a.url, a.authorization])).toEqual([['/api/v1/estimate', 'Bearer cp_test_from_env']]);
      expect(new CarbonPlan({ apiKey: 'cp_test_option' }).config.apiKey).toBe('cp_test_option');
    } finally {
      if (saved.key === undefined) delete process.env.CARBONPLAN_API_KEY; else process.env.CARBONPLAN_API_KEY = saved.key;
      if (saved.url === undefined) delete process.env.CARBONPLAN_BASE_URL; else process.env.CARBONPLAN_BASE_URL = saved.url;
    }
  });
});
