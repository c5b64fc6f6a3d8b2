import { createAnthropicConnector } from '../../../src/connectors/anthropic.connector';
import { startAnthropicFake, type AnthropicFake } from '../../fakes/anthropic.fake';
import { ANTHROPIC_EXAMPLE_REPORT, ANTHROPIC_REFERENCE_REPORT, collect } from './provider-examples';

const NOW = new Date('2026-01-03T10:30:00Z');
const now = () => NOW;
const KEY = 'sk-ant-admin01-good';
const ORG = { id: '0b0e7a52-8d6f-4f0e-9f43-3a2f1b6c9d10', name: 'Acme Research' };

let fake: AnthropicFake;
beforeEach(async () => { fake = await startAnthropicFake({ adminKeys: [KEY], apiKeys: ['sk-ant-api03-plain'], organization: ORG, now }); });
afterEach(async () => { await fake.close(); });
const connector = () => createAnthropicConnector({ baseUrl: fake.baseUrl, timeoutMs: 5_000, now });

describe('Anthropic connector: mapping', () => {
  it('maps the providers.md example report: uncached, 5m+1h cache writes, cache reads, output', async () => {
    fake.replyNext(ANTHROPIC_EXAMPLE_REPORT);
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T02:00:00Z') }));
    expect(batches).toEqual([[{
      provider: 'anthropic', model: 'claude-sonnet-4-20250514',
      bucketStart: new Date('2026-01-01T00:00:00Z'), bucketEnd: new Date('2026-01-01T01:00:00Z'),
      grouping: 'api_key_id=apikey_01Rj2N8SVvo6BePZj99NhmiT',
      inputUncached: 15230, inputCacheWrite: 4096, inputCacheRead: 81920, outputTokens: 6120, reasoningTokens: 0,
      requests: null, unreported: ['reasoning'], webSearchRequests: 3,
    }]]);
    const [request] = fake.requests;
    expect(request.headers['x-api-key']).toBe(KEY);
    expect(request.headers['anthropic-version']).toBe('2023-06-01');
    expect(request.headers.authorization).toBeUndefined();
  });

  it('maps the reference example (both cache-creation counters, grouped tier and window) and follows has_more', async () => {
    fake.replyNext(ANTHROPIC_REFERENCE_REPORT);
    fake.replyNext({ data: [], has_more: false, next_page: null });
    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2025-08-01T00:00:00Z'), to: new Date('2025-08-02T00:00:00Z') }));
    expect(batches).toHaveLength(2);
    expect(batches[0]).toEqual([expect.objectContaining({
      bucketStart: new Date('2025-08-01T00:00:00Z'), bucketEnd: new Date('2025-08-02T00:00:00Z'),
      grouping: 'context_window=0-200k&service_tier=standard',
      inputUncached: 1500, inputCacheWrite: 1500, inputCacheRead: 200, outputTokens: 500, webSearchRequests: 10,
    })]);
    expect(fake.requests[1].query.get('page')).toBe('page_MjAyNS0wNS0xNFQwMDowMDowMFo=');
  });

  it('pages through hourly buckets with RFC 3339 bounds, bracket arrays and exact sums per model', async () => {
    const paged = await startAnthropicFake({ adminKeys: [KEY], now, pageSize: 2 });
    try {
      const at = (hour: number) => `2026-01-02T0${hour}:05:00Z`;
      const row = (hour: number, model: string | null, u: number, w5: number, w1: number, r: number, o: number, apiKey = 'apikey_a', searches = 0) => ({
        startingAt: at(hour), model, api_key_id: apiKey, uncached_input_tokens: u,
        cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 }, cache_read_input_tokens: r, output_tokens: o,
        server_tool_use: { web_search_requests: searches },
      });
      paged.setUsage([
        row(0, 'claude-opus-4', 100, 10, 20, 300, 40, 'apikey_a', 4),
        row(0, 'claude-opus-4', 1, 2, 3, 4, 5, 'apikey_b', 1), // summed by the API: not grouped by api_key_id
        row(0, 'claude-haiku-4', 7, 0, 0, 0, 3),
        row(2, 'claude-opus-4', 50, 0, 5, 0, 6, 'apikey_a', 2),
      ]);
      const c = createAnthropicConnector({ baseUrl: paged.baseUrl, timeoutMs: 5_000, now });
      const batches = await collect(c.pollUsage({ key: KEY, from: new Date('2026-01-02T00:30:00Z'), to: new Date('2026-01-02T02:10:00Z') }));
      const brief = batches.map((b) => b.map((r) => [r.bucketStart.toISOString().slice(11, 13), r.model, r.inputUncached, r.inputCacheWrite, r.inputCacheRead, r.outputTokens, r.grouping]));
      expect(brief).toEqual([
        [['00', 'claude-opus-4', 101, 35, 304, 45, ''], ['00', 'claude-haiku-4', 7, 0, 0, 3, '']],
        [['02', 'claude-opus-4', 50, 5, 0, 6, '']],
      ]);
      expect(batches.flat().map((r) => r.webSearchRequests)).toEqual([5, 0, 2]); // summed by the API like the tokens
      const q = paged.requests[0].query;
      expect(q.get('starting_at')).toBe('2026-01-02T00:00:00Z');
      expect(q.get('ending_at')).toBe('2026-01-02T03:00:00Z');
      expect([q.get('bucket_width'), q.get('limit'), q.getAll('group_by[]')]).toEqual(['1h', '168', ['model']]);
      expect(paged.requests).toHaveLength(2);
    } finally {
      await paged.close();
    }
  });

  it('sees an hour only once it has ended: the open hour comes on a later poll', async () => {
    let clock = NOW;
    const later = await startAnthropicFake({ adminKeys: [KEY], now: () => clock });
    try {
      const row = (startingAt: string, u: number) => ({ startingAt, model: 'claude-opus-4', uncached_input_tokens: u, output_tokens: 1 });
      later.setUsage([row('2026-01-03T09:10:00Z', 5), row('2026-01-03T10:05:00Z', 7)]);
      const c = createAnthropicConnector({ baseUrl: later.baseUrl, timeoutMs: 5_000, now: () => clock });
      const poll = async () => (await collect(c.pollUsage({ key: KEY, from: new Date('2026-01-03T09:00:00Z'), to: new Date('2026-01-03T12:00:00Z') })))
        .flat().map((r) => [r.bucketStart.toISOString().slice(11, 16), r.bucketEnd.toISOString().slice(11, 16), r.inputUncached]);
      expect(await poll()).toEqual([['09:00', '10:00', 5]]);
      expect(later.requests[0].query.get('ending_at')).toBe('2026-01-03T10:30:00Z');
      clock = new Date('2026-01-03T11:02:00Z');
      expect(await poll()).toEqual([['09:00', '10:00', 5], ['10:00', '11:00', 7]]);
    } finally {
      await later.close();
    }
  });

  it('tolerates missing cache counters, a null model and empty buckets', async () => {
    fake.replyNext({
      has_more: false, next_page: null,
      data: [
        { starting_at: '2026-01-01T00:00:00Z', ending_at: '2026-01-01T01:00:00Z', results: [{ uncached_input_tokens: 9, output_tokens: 2, model: null, unexpected: 'ignored' }] },
        { starting_at: '2026-01-01T01:00:00Z', ending_at: '2026-01-01T02:00:00Z', results: [] },
      ],
    });
    const [batch] = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T02:00:00Z') }));
    expect(batch).toEqual([expect.objectContaining({ model: 'unknown', grouping: '', inputUncached: 9, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 2, unreported: ['cache_read', 'cache_write', 'reasoning'] })]);
    expect(Object.keys(batch[0])).not.toContain('webSearchRequests'); // not reported is not zero
  });
});

describe('Anthropic connector: validateKey', () => {
  it('returns the organization from /v1/organizations/me', async () => {
    await expect(connector().validateKey(KEY)).resolves.toEqual({ ok: true, accountId: ORG.id, accountName: ORG.name });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/organizations/me']);
  });

  it('rejects an unknown key (401) and an ordinary API key (403)', async () => {
    await expect(connector().validateKey('sk-ant-admin01-unknown')).resolves.toMatchObject({ ok: false, reason: 'invalid_key', message: expect.stringContaining('invalid x-api-key') });
    await expect(connector().validateKey('sk-ant-api03-plain')).resolves.toMatchObject({ ok: false, reason: 'forbidden', message: expect.stringContaining('admin role') });
  });
});
