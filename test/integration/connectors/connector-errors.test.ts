import { inspect } from 'node:util';
import type { Provider } from '../../../contracts/usage';
import { createConnectors } from '../../../src/connectors';
import { ProviderError } from '../../../src/connectors/errors';
import { startAnthropicFake } from '../../fakes/anthropic.fake';
import type { FakeServer, ScriptedResponse } from '../../fakes/fake-server';
import { OPENAI_QUOTA_MESSAGE, OPENAI_RATE_LIMIT_MESSAGE, startOpenAIFake } from '../../fakes/openai.fake';
import { startOpenRouterFake } from '../../fakes/openrouter.fake';
import { ANTHROPIC_REFERENCE_REPORT, collect, OPENAI_EXAMPLE_PAGE, OPENROUTER_EXAMPLE_ACTIVITY } from './provider-examples';

const NOW = new Date('2026-01-03T10:30:00Z');
const now = () => NOW;
// Valid keys: errors come from scripts, so a leak of the key into an error would be ours, not the fake's.
const KEYS: Record<Provider, string> = {
  openai: 'sk-admin-Zq8v2LeakCanary0001',
  anthropic: 'sk-ant-admin01-Zq8v2LeakCanary0002',
  openrouter: 'sk-or-v1-Zq8v2LeakCanary0003',
};

const fakes: Record<Provider, FakeServer> = {} as Record<Provider, FakeServer>;
beforeAll(async () => {
  fakes.openai = await startOpenAIFake({ adminKeys: [KEYS.openai], now });
  fakes.anthropic = await startAnthropicFake({ adminKeys: [KEYS.anthropic], now });
  fakes.openrouter = await startOpenRouterFake({ managementKeys: [KEYS.openrouter], now });
});
afterAll(async () => { await Promise.all(Object.values(fakes).map((f) => f.close())); });
afterEach(() => { for (const f of Object.values(fakes)) f.reset(); });

const connectors = (timeoutMs = 5_000) =>
  createConnectors({ openaiBaseUrl: fakes.openai.baseUrl, anthropicBaseUrl: fakes.anthropic.baseUrl, openrouterBaseUrl: fakes.openrouter.baseUrl, timeoutMs, now });

/** Polls one page (one hour, or yesterday for OpenRouter) and returns what it threw. */
async function pollError(provider: Provider, script: ScriptedResponse | { replyBody: unknown }, timeoutMs?: number): Promise<ProviderError> {
  if ('replyBody' in script) fakes[provider].replyNext(script.replyBody);
  else fakes[provider].failNext(1, script);
  const from = provider === 'openrouter' ? new Date('2026-01-02T00:00:00Z') : new Date('2026-01-03T08:00:00Z');
  const error = await collect(connectors(timeoutMs)[provider].pollUsage({ key: KEYS[provider], from, to: new Date('2026-01-03T09:00:00Z') })).then(
    () => { throw new Error('expected the poll to fail'); },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const PROVIDERS: Provider[] = ['openai', 'anthropic', 'openrouter'];
type Expectation = { kind: ProviderError['kind']; code: ProviderError['code']; retryAfterMs?: number; isCredentialRejected?: boolean };

const CASES: Array<[string, ScriptedResponse, Expectation]> = [
  ['429 with Retry-After seconds', { status: 429, retryAfter: 7 }, { kind: 'transient', code: 'rate_limited', retryAfterMs: 7000 }],
  ['429 with Retry-After HTTP date', { status: 429, retryAfter: 'Sat, 03 Jan 2026 10:30:30 GMT' }, { kind: 'transient', code: 'rate_limited', retryAfterMs: 30_000 }],
  ['429 with retry-after-ms (wins)', { status: 429, retryAfter: 7, retryAfterMs: 1500 }, { kind: 'transient', code: 'rate_limited', retryAfterMs: 1500 }],
  ['500', { status: 500 }, { kind: 'transient', code: 'server_error' }],
  ['502', { status: 502 }, { kind: 'transient', code: 'server_error' }],
  ['503 with Retry-After', { status: 503, retryAfter: 2 }, { kind: 'transient', code: 'server_error', retryAfterMs: 2000 }],
  ['524', { status: 524 }, { kind: 'transient', code: 'server_error' }],
  ['529 overloaded', { status: 529 }, { kind: 'transient', code: 'server_error' }],
  ['408', { status: 408 }, { kind: 'transient', code: 'request_timeout' }],
  ['409', { status: 409 }, { kind: 'transient', code: 'conflict' }],
  ['401', { status: 401 }, { kind: 'needs_user_action', code: 'invalid_key', isCredentialRejected: true }],
  ['403', { status: 403 }, { kind: 'needs_user_action', code: 'forbidden', isCredentialRejected: true }],
  ['402', { status: 402 }, { kind: 'needs_user_action', code: 'payment_required', isCredentialRejected: false }],
  ['400', { status: 400 }, { kind: 'permanent', code: 'bad_request' }],
  ['404', { status: 404 }, { kind: 'permanent', code: 'not_found' }],
  ['413', { status: 413 }, { kind: 'permanent', code: 'client_error' }],
  ['malformed JSON on 200 (a body cut in transfer)', { malformedJson: true }, { kind: 'transient', code: 'malformed_body' }],
  ['dropped connection', { dropConnection: true }, { kind: 'transient', code: 'network' }],
];

describe('429 without Retry-After', () => {
  // Reading usage with an admin key spends no quota: only the body can say "quota", never a missing header.
  it.each<[Provider, Expectation]>([
    ['openai', { kind: 'transient', code: 'rate_limited' }],
    ['anthropic', { kind: 'transient', code: 'rate_limited' }],
    ['openrouter', { kind: 'transient', code: 'rate_limited' }],
  ])('%s: a rate limit stays transient', async (provider, expected) => {
    const error = await pollError(provider, { status: 429 });
    expect(error).toMatchObject({ kind: expected.kind, code: expected.code, retryAfterMs: undefined, isCredentialRejected: false });
  });

  it("openai: the rate-limit body is OpenAI's own", async () => {
    const error = await pollError('openai', { status: 429 });
    expect(error.providerMessage).toBe(OPENAI_RATE_LIMIT_MESSAGE);
  });

  it('openai: the insufficient_quota body needs the customer', async () => {
    const error = await pollError('openai', { status: 429, code: 'insufficient_quota' });
    expect(error).toMatchObject({ kind: 'needs_user_action', code: 'insufficient_quota', providerMessage: OPENAI_QUOTA_MESSAGE, isCredentialRejected: false });
  });
});

describe.each(PROVIDERS)('%s error classification', (provider) => {
  it.each(CASES)('%s', async (_name, script, expected) => {
    const error = await pollError(provider, script);
    expect(error).toMatchObject({ provider, kind: expected.kind, code: expected.code });
    expect(error.retryAfterMs).toBe(expected.retryAfterMs);
    expect(error.isCredentialRejected).toBe(expected.isCredentialRejected ?? false);
    expect(error.isRetryable).toBe(expected.kind === 'transient');
    if ('status' in script) expect(error.status).toBe(script.status);
  });

  it('carries the provider message from its documented error body', async () => {
    const error = await pollError(provider, { status: 400, message: 'start_time is too far in the past' });
    expect(error.providerMessage).toBe('start_time is too far in the past');
    expect(error.message).toContain('start_time is too far in the past');
  });

  it('treats a 2xx body of the wrong shape as permanent', async () => {
    const error = await pollError(provider, { replyBody: { data: 'not-a-list', has_more: 'maybe' } });
    expect(error).toMatchObject({ kind: 'permanent', code: 'schema_mismatch', status: 200 });
    expect(error.providerMessage).toMatch(/data/);
  });

  it('turns a slow response into a transient timeout', async () => {
    const error = await pollError(provider, { delayMs: 1_000 }, 150);
    expect(error).toMatchObject({ kind: 'transient', code: 'timeout' });
  });

  it('never puts the key into an error, even when the provider echoes it', async () => {
    const key = KEYS[provider];
    const errors = [
      await pollError(provider, { status: 401, message: `Incorrect API key provided: ${key}` }),
      await pollError(provider, { status: 400, message: `bad request for key=${key} (Bearer ${key})` }),
      await pollError(provider, { status: 429, retryAfter: 1, message: `slow down ${key}` }),
      await pollError(provider, { malformedJson: true }),
      await pollError(provider, { dropConnection: true }),
      await pollError(provider, { delayMs: 1_000 }, 100),
    ];
    for (const error of errors) {
      for (const text of [error.message, error.stack ?? '', JSON.stringify(error), inspect(error, { depth: 5 }), String(error)]) {
        expect(text).not.toContain(key);
      }
    }
    expect(errors[0].providerMessage).toBe('Incorrect API key provided: [REDACTED]');
  });
});

describe('Retry-After reaches the ProviderError of every provider (the activity caps it, not us)', () => {
  // Each provider's own 429 companions ride along, so the parser is shown to pick Retry-After out of them.
  const RATE_HEADERS: Record<Provider, Record<string, string>> = {
    openai: { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' },
    anthropic: { 'anthropic-ratelimit-requests-limit': '50', 'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2026-01-03T10:31:00Z' },
    openrouter: { 'x-ratelimit-limit': '20', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1767436260000' },
  };
  const cases = PROVIDERS.flatMap((p) => [[p, 429, '120'], [p, 503, '5']] as Array<[Provider, number, string]>);

  it.each(cases)('%s %d with Retry-After %s s, from pollUsage and validateKey', async (provider, status, seconds) => {
    const script = { status, headers: { ...(status === 429 ? RATE_HEADERS[provider] : {}), 'retry-after': seconds } };
    const polled = await pollError(provider, script);
    fakes[provider].failNext(1, script);
    const validated = await connectors()[provider].validateKey(KEYS[provider]).catch((e: unknown) => e);
    for (const error of [polled, validated]) {
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'transient', status, retryAfterMs: Number(seconds) * 1000 });
    }
  });
});

describe('cancellation through PollUsageInput.signal', () => {
  const windowOf = (provider: Provider) => (provider === 'openrouter'
    ? { from: new Date('2026-01-01T00:00:00Z'), to: NOW }
    : { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T03:00:00Z') });

  it.each(PROVIDERS)('%s: aborting stops a stalled request at once with an AbortError, not a ProviderError', async (provider) => {
    fakes[provider].failNext(1, { delayMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await collect(connectors(3_000)[provider].pollUsage({ key: KEYS[provider], ...windowOf(provider), signal: controller.signal })).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000); // neither the stall nor our 3 s timeout was waited out
    expect(error).not.toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(fakes[provider].requests).toHaveLength(1);
  });

  it.each(PROVIDERS)('%s: no further page is requested once the caller has aborted, and its reason is what is thrown', async (provider) => {
    const examples = { openai: OPENAI_EXAMPLE_PAGE, anthropic: ANTHROPIC_REFERENCE_REPORT, openrouter: OPENROUTER_EXAMPLE_ACTIVITY }; // openai/anthropic: has_more true
    fakes[provider].replyNext(examples[provider]);
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const seen: number[] = [];
    const error = await (async () => {
      for await (const batch of connectors()[provider].pollUsage({ key: KEYS[provider], ...windowOf(provider), signal: controller.signal })) {
        seen.push(batch.length);
        controller.abort(reason);
      }
    })().catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(seen).toHaveLength(1);
    expect(fakes[provider].requests).toHaveLength(1);
  });
});

describe('base URLs as the official SDKs spell them', () => {
  // OPENAI_BASE_URL / OPENROUTER_BASE_URL values copied from an SDK setup end in the API version.
  it.each<[Provider, string]>([
    ['openai', '/v1'],
    ['openai', '/v1/'],
    ['anthropic', '/v1'],
    ['openrouter', '/v1'],
    ['openrouter', '/v1/'],
  ])('%s with %s appended reaches the same endpoint', async (provider, suffix) => {
    const cs = createConnectors({
      openaiBaseUrl: fakes.openai.baseUrl + suffix, anthropicBaseUrl: fakes.anthropic.baseUrl + suffix, openrouterBaseUrl: fakes.openrouter.baseUrl + suffix,
      timeoutMs: 5_000, now,
    });
    await expect(cs[provider].validateKey(KEYS[provider])).resolves.toMatchObject({ ok: true });
    expect(fakes[provider].requests.map((r) => r.path)).toEqual({ openai: ['/v1/organization/usage/completions', '/v1/organization'], anthropic: ['/v1/organizations/me'], openrouter: ['/v1/key'] }[provider]);
  });
});

it('OpenAI: a 429 with code insufficient_quota needs the user even with Retry-After', async () => {
  const error = await pollError('openai', { status: 429, retryAfter: 1, code: 'insufficient_quota', message: 'You exceeded your current quota' });
  expect(error).toMatchObject({ kind: 'needs_user_action', code: 'insufficient_quota', retryAfterMs: 1000 });
});

it('Anthropic: keeps the request id for logging', async () => {
  const error = await pollError('anthropic', { status: 529, message: 'Overloaded' });
  expect(error.requestId).toMatch(/^req_[0-9a-f]{32}$/);
});

it('validateKey scrubs an echoed key from the message it returns', async () => {
  const fake = await startOpenAIFake({ adminKeys: ['sk-admin-other'], echoKeyInErrors: true, now });
  try {
    const key = 'sk-admin-Zq8v2LeakCanary0004';
    const { openai } = createConnectors({ openaiBaseUrl: fake.baseUrl, anthropicBaseUrl: 'http://127.0.0.1:9', openrouterBaseUrl: 'http://127.0.0.1:9', timeoutMs: 5_000, now });
    const result = await openai.validateKey(key);
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${key}`); // the fake really saw (and echoed) it
    expect(result).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(JSON.stringify(result)).not.toContain(key);
    expect(JSON.stringify(result)).toContain('[REDACTED]');
  } finally {
    await fake.close();
  }
});
