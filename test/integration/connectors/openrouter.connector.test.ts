import { ProviderError } from '../../../src/connectors/errors';
import { completedDays, createOpenRouterConnector, mapOpenRouterItem } from '../../../src/connectors/openrouter.connector';
import { startOpenRouterFake, type OpenRouterFake } from '../../fakes/openrouter.fake';
import { collect, OPENROUTER_EXAMPLE_ACTIVITY } from './provider-examples';

const NOW = new Date('2026-01-03T10:30:00Z');
const now = () => NOW;
const KEY = 'sk-or-v1-mgmt-good';
const INFERENCE_KEY = 'sk-or-v1-inference';

let fake: OpenRouterFake;
beforeEach(async () => { fake = await startOpenRouterFake({ managementKeys: [KEY], inferenceKeys: [INFERENCE_KEY], now }); });
afterEach(async () => { await fake.close(); });
const connector = () => createOpenRouterConnector({ baseUrl: fake.baseUrl, timeoutMs: 5_000, now });

describe('OpenRouter connector: mapping', () => {
  it('maps the providers.md example day: prompt tokens uncached, reasoning inside completion, cache unreported', async () => {
    fake.replyNext(OPENROUTER_EXAMPLE_ACTIVITY);
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') }));
    const day = { bucketStart: new Date('2026-01-01T00:00:00Z'), bucketEnd: new Date('2026-01-02T00:00:00Z'), inputCacheWrite: 0, inputCacheRead: 0, unreported: ['cache_read', 'cache_write'] };
    expect(batches).toEqual([[
      { provider: 'openrouter', model: 'openai/gpt-4.1', ...day, grouping: 'provider_name=OpenAI', inputUncached: 50, outputTokens: 125, reasoningTokens: 25, requests: 5 },
      { provider: 'openrouter', model: 'anthropic/claude-sonnet-4', ...day, grouping: 'provider_name=Anthropic', inputUncached: 98000, outputTokens: 8400, reasoningTokens: 0, requests: 12 },
    ]]);
    expect(fake.requests.map((r) => [r.path, r.query.get('date'), r.headers.authorization])).toEqual([['/v1/activity', '2026-01-01', `Bearer ${KEY}`]]);
    expect(fake.baseUrl).toMatch(/\/api$/); // so the full path is /api/v1/activity, as in production
  });

  it('sums endpoints per (day, model, provider), keeps providers apart, and treats reasoning above completion as disjoint', async () => {
    fake.setActivity([
      { date: '2026-01-02', model: 'meta/llama-4', endpoint_id: 'e1', provider_name: 'Together', requests: 2, prompt_tokens: 100, completion_tokens: 40, reasoning_tokens: 0 },
      { date: '2026-01-02', model: 'meta/llama-4', endpoint_id: 'e1-fp8', provider_name: 'Together', requests: 1, prompt_tokens: 20, completion_tokens: 4, reasoning_tokens: 0 },
      { date: '2026-01-02', model: 'meta/llama-4', endpoint_id: 'e2', provider_name: 'Fireworks', requests: 3, prompt_tokens: 250, completion_tokens: 60, reasoning_tokens: 10 },
      { date: '2026-01-02', model: 'deepseek/r1', endpoint_id: 'e3', provider_name: 'DeepSeek', requests: 1, prompt_tokens: 10, completion_tokens: 5, reasoning_tokens: 30 },
      { date: '2026-01-03', model: 'meta/llama-4', endpoint_id: 'e1', requests: 9, prompt_tokens: 9, completion_tokens: 9, reasoning_tokens: 0 }, // today
    ]);
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-02T00:00:00Z'), to: NOW }));
    expect(batches.map((b) => b.map((r) => [r.model, r.grouping, r.inputUncached, r.outputTokens, r.reasoningTokens, r.requests]))).toEqual([[
      ['meta/llama-4', 'provider_name=Together', 120, 44, 0, 3],
      ['meta/llama-4', 'provider_name=Fireworks', 250, 60, 10, 3],
      ['deepseek/r1', 'provider_name=DeepSeek', 10, 35, 30, 1],
    ]]);
  });

  it('keeps workspace_id beside provider_name in the grouping when a row carries one (group_by=workspace)', () => {
    const row = mapOpenRouterItem({ ...OPENROUTER_EXAMPLE_ACTIVITY.data[0], workspace_id: 'ws-a' });
    expect(row.grouping).toBe('provider_name=OpenAI&workspace_id=ws-a');
  });

  it('asks only for completed UTC days: never today, at most 29 days back, each mid-day start included', async () => {
    await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T05:00:00Z'), to: NOW }));
    expect(fake.requests.map((r) => r.query.get('date'))).toEqual(['2026-01-01', '2026-01-02']);

    fake.reset();
    await collect(connector().pollUsage({ key: KEY, from: new Date('2025-10-01T00:00:00Z'), to: new Date('2026-02-01T00:00:00Z') }));
    const dates = fake.requests.map((r) => r.query.get('date'));
    // 2025-12-04 is still inside the 30-day window but falls out at midnight, racing the request.
    expect(dates).toHaveLength(29);
    expect([dates[0], dates[28]]).toEqual(['2025-12-05', '2026-01-02']);

    expect(completedDays(new Date('2026-01-03T00:00:00Z'), new Date('2026-01-03T09:00:00Z'), NOW)).toEqual([]);
    expect(completedDays(new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z'), NOW)).toEqual(['2026-01-01']); // `to` exclusive
  });

  it('skips yesterday while it is not served yet, yields the other days, and gets yesterday on a later poll', async () => {
    let clock = new Date('2026-01-03T00:05:00Z');
    const early = await startOpenRouterFake({ managementKeys: [KEY], now: () => clock, servedThrough: '2026-01-01' });
    try {
      early.setActivity(['2025-12-31', '2026-01-01', '2026-01-02'].map((date) => ({ date, model: 'x/y', provider_name: 'P', prompt_tokens: 1, completion_tokens: 1 })));
      const c = createOpenRouterConnector({ baseUrl: early.baseUrl, timeoutMs: 5_000, now: () => clock });
      const pollLast72h = async () => (await collect(c.pollUsage({ key: KEY, from: new Date(clock.getTime() - 72 * 3_600_000), to: clock }))).flat().map((r) => r.bucketStart.toISOString().slice(0, 10));

      expect(await pollLast72h()).toEqual(['2025-12-31', '2026-01-01']);
      expect(early.requests.map((r) => r.query.get('date'))).toEqual(['2025-12-31', '2026-01-01', '2026-01-02']);

      clock = new Date('2026-01-03T01:05:00Z');
      early.setServedThrough(undefined);
      expect(await pollLast72h()).toEqual(['2025-12-31', '2026-01-01', '2026-01-02']);
    } finally {
      await early.close();
    }
  });

  it('skips the oldest day too when its date 400 comes back (their midnight before ours)', async () => {
    fake.failNext(1, { status: 400, message: 'Date must be within the last 30 (completed) UTC days' }, { match: (r) => r.query.get('date') === '2025-12-05' });
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2025-12-05T00:00:00Z'), to: new Date('2025-12-07T00:00:00Z') }));
    expect(batches).toEqual([[]]);
    expect(fake.requests.map((r) => r.query.get('date'))).toEqual(['2025-12-05', '2025-12-06']);
  });

  it('still fails on the date 400 for a day inside the window, and on any other 400 for yesterday', async () => {
    const dateError = { status: 400, message: 'Date must be within the last 30 (completed) UTC days' };
    fake.failNext(1, dateError, { match: (r) => r.query.get('date') === '2026-01-01' });
    await expect(collect(connector().pollUsage({ key: KEY, from: new Date('2025-12-31T00:00:00Z'), to: NOW }))).rejects.toMatchObject({ code: 'bad_request', status: 400 });

    fake.reset();
    fake.failNext(1, { status: 400, message: 'Invalid request parameters' }, { match: (r) => r.query.get('date') === '2026-01-02' });
    await expect(collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: NOW }))).rejects.toMatchObject({ code: 'bad_request', providerMessage: 'Invalid request parameters' });
  });

  it('yields one (possibly empty) batch per day', async () => {
    fake.setActivity([{ date: '2026-01-02', model: 'x/y', prompt_tokens: 1, completion_tokens: 1 }]);
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: NOW }));
    expect(batches.map((b) => b.length)).toEqual([0, 1]);
  });
});

describe('OpenRouter connector: keys', () => {
  it('accepts a management key via GET /v1/key', async () => {
    // creator_user_id names the member who created the key, not the account, so it is no account id.
    await expect(connector().validateKey(KEY)).resolves.toEqual({ ok: true, accountId: null, accountName: null });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/key']);
  });

  it('accepts an older management key that only sends the deprecated is_provisioning_key', async () => {
    const legacy = await startOpenRouterFake({ provisioningKeys: ['sk-or-v1-provisioning-old'], now });
    try {
      const c = createOpenRouterConnector({ baseUrl: legacy.baseUrl, timeoutMs: 5_000, now });
      await expect(c.validateKey('sk-or-v1-provisioning-old')).resolves.toMatchObject({ ok: true });
    } finally {
      await legacy.close();
    }
  });

  it('rejects an inference key with a pointer to the management keys page', async () => {
    await expect(connector().validateKey(INFERENCE_KEY)).resolves.toEqual({
      ok: false, reason: 'wrong_key_type',
      message: 'This is an inference key; create a management key at https://openrouter.ai/settings/management-keys',
    });
  });

  it('rejects an unknown key as invalid', async () => {
    await expect(connector().validateKey('sk-or-v1-nobody')).resolves.toMatchObject({ ok: false, reason: 'invalid_key', message: expect.stringContaining('User not found.') });
  });

  it('fails polling with an inference key as a credential rejection (403 wrong key type)', async () => {
    const error = await collect(connector().pollUsage({ key: INFERENCE_KEY, from: new Date('2026-01-02T00:00:00Z'), to: NOW })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'needs_user_action', code: 'wrong_key_type', status: 403, isCredentialRejected: true, providerMessage: 'Only management keys can perform this operation' });
  });
});
