import { createOpenAIConnector } from '../../../src/connectors/openai.connector';
import { startOpenAIFake, type OpenAIFake } from '../../fakes/openai.fake';
import { collect, OPENAI_EXAMPLE_PAGE } from './provider-examples';

const NOW = new Date('2026-01-03T10:30:00Z');
const now = () => NOW;
const KEY = 'sk-admin-good';
const sec = (iso: string) => Date.parse(iso) / 1000;

let fake: OpenAIFake;
beforeEach(async () => { fake = await startOpenAIFake({ adminKeys: [KEY], now }); });
afterEach(async () => { await fake.close(); });
const connector = () => createOpenAIConnector({ baseUrl: fake.baseUrl, timeoutMs: 5_000, now });

describe('OpenAI connector: mapping', () => {
  it('maps the providers.md example page (current and legacy fields) and follows its cursor verbatim', async () => {
    fake.replyNext(OPENAI_EXAMPLE_PAGE);
    fake.replyNext({ object: 'page', data: [{ object: 'bucket', start_time: 1767232800, end_time: 1767236400, results: [] }], has_more: false, next_page: null });

    const batches = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T03:00:00Z') }));

    expect(batches).toEqual([
      [
        {
          provider: 'openai', model: 'gpt-4o-mini-2024-07-18', bucketStart: new Date('2026-01-01T00:00:00Z'), bucketEnd: new Date('2026-01-01T01:00:00Z'),
          grouping: 'project_id=proj_abc123', inputUncached: 56500, inputCacheWrite: 0, inputCacheRead: 64000, outputTokens: 8200,
          reasoningTokens: 0, requests: 42, unreported: ['reasoning'], formatVersion: '2026-07', inputAudioTokens: 0, outputAudioTokens: 0,
        },
        {
          provider: 'openai', model: 'gpt-4.1-2025-04-14', bucketStart: new Date('2026-01-01T00:00:00Z'), bucketEnd: new Date('2026-01-01T01:00:00Z'),
          grouping: 'project_id=proj_abc123', inputUncached: 5000, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 900,
          reasoningTokens: 0, requests: 3, unreported: ['cache_write', 'reasoning'], formatVersion: 'legacy',
        },
      ],
      [],
    ]);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0].query.has('page')).toBe(false);
    expect(fake.requests[1].query.get('page')).toBe('page_AAAAAGdGxdEiJdKOAAAAAGcqsYA=');
    for (const name of ['start_time', 'end_time', 'bucket_width', 'limit']) {
      expect(fake.requests[1].query.get(name)).toBe(fake.requests[0].query.get(name));
    }
  });

  it('pages through several pages of hourly buckets, models summed across ungrouped projects', async () => {
    const fake2 = await startOpenAIFake({ adminKeys: [KEY], now, pageSize: 2 });
    try {
      const h = (hour: number) => sec(`2026-01-02T0${hour}:00:00Z`) + 120; // inside the hour
      fake2.setUsage([
        { startTime: h(0), model: 'gpt-4o', project_id: 'proj_a', input_tokens: 1000, input_cached_tokens: 400, input_cache_write_tokens: 100, input_uncached_tokens: 500, output_tokens: 50, num_model_requests: 2 },
        { startTime: h(0), model: 'gpt-4o', project_id: 'proj_b', input_tokens: 300, input_cached_tokens: 0, input_cache_write_tokens: 0, input_uncached_tokens: 300, output_tokens: 10, num_model_requests: 1 },
        { startTime: h(0), model: 'o3', input_tokens: 2000, input_cached_tokens: 500, output_tokens: 700, num_model_requests: 4 },
        { startTime: h(1), model: 'gpt-4o', input_tokens: 10, input_cached_tokens: 0, input_cache_write_tokens: 0, input_uncached_tokens: 10, output_tokens: 1, num_model_requests: 1 },
        { startTime: h(3), model: 'o3', input_tokens: 100, input_cached_tokens: 400, output_tokens: 7, num_model_requests: 1 },
        { startTime: h(4), model: 'gpt-4o', input_tokens: 90, input_cached_tokens: 30, input_cache_write_tokens: 20, input_uncached_tokens: 40, output_tokens: 9, num_model_requests: 3 },
      ]);
      const c = createOpenAIConnector({ baseUrl: fake2.baseUrl, timeoutMs: 5_000, now });
      const batches = await collect(c.pollUsage({ key: KEY, from: new Date('2026-01-02T00:17:00Z'), to: new Date('2026-01-02T04:40:00Z') }));

      const brief = batches.map((b) => b.map((r) => [r.bucketStart.toISOString().slice(11, 13), r.model, r.inputUncached, r.inputCacheWrite, r.inputCacheRead, r.outputTokens, r.requests, r.formatVersion, r.grouping]));
      expect(brief).toEqual([
        [['00', 'gpt-4o', 800, 100, 400, 60, 3, '2026-07', ''], ['00', 'o3', 1500, 0, 500, 700, 4, 'legacy', ''], ['01', 'gpt-4o', 10, 0, 0, 1, 1, '2026-07', '']],
        [['03', 'o3', 0, 0, 400, 7, 1, 'legacy', '']], // legacy subtraction never goes negative
        [['04', 'gpt-4o', 40, 20, 30, 9, 3, '2026-07', '']],
      ]);

      expect(fake2.requests).toHaveLength(3);
      const q = fake2.requests[0].query;
      expect(q.get('start_time')).toBe(String(sec('2026-01-02T00:00:00Z'))); // aligned down to the hour
      expect(q.get('end_time')).toBe(String(sec('2026-01-02T05:00:00Z'))); // up to the hour boundary
      expect(q.get('bucket_width')).toBe('1h');
      expect(q.get('limit')).toBe('168');
      expect(q.getAll('group_by[]')).toEqual(['model']);
      expect(fake2.requests[0].rawQuery).toContain('group_by%5B%5D=model');
      expect(fake2.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
      expect(fake2.requests[0].headers['openai-organization']).toBeUndefined();
    } finally {
      await fake2.close();
    }
  });

  it('keeps the audio counters apart, in both formats, and leaves them absent where OpenAI sent none', async () => {
    fake.setUsage([
      // Legacy: audio input outside input_tokens, so it must survive beside the text split.
      { startTime: sec('2026-01-02T05:10:00Z'), model: 'gpt-4o-audio-preview', input_tokens: 100, input_cached_tokens: 0, input_audio_tokens: 40, output_audio_tokens: 25, output_tokens: 30, num_model_requests: 1 },
      { startTime: sec('2026-01-02T06:10:00Z'), model: 'gpt-realtime', input_tokens: 90, input_cached_tokens: 10, input_cache_write_tokens: 0, input_uncached_tokens: 80, input_audio_tokens: 50, output_audio_tokens: 7, output_tokens: 9, num_model_requests: 1 },
      { startTime: sec('2026-01-02T06:20:00Z'), model: 'gpt-4o', input_tokens: 5, output_tokens: 1, num_model_requests: 1 },
    ]);
    const rows = (await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-02T05:00:00Z'), to: new Date('2026-01-02T07:00:00Z') }))).flat();
    expect(rows.map((r) => [r.model, r.formatVersion, r.inputUncached, r.inputAudioTokens, r.outputAudioTokens])).toEqual([
      ['gpt-4o-audio-preview', 'legacy', 100, 40, 25],
      ['gpt-realtime', '2026-07', 80, 50, 7],
      ['gpt-4o', 'legacy', 5, undefined, undefined],
    ]);
    expect(Object.keys(rows[2])).not.toContain('inputAudioTokens');
  });

  it('ignores other result types and unknown fields, tolerates null dimensions and a missing request count', async () => {
    fake.replyNext({
      object: 'page', has_more: false, next_page: null, brand_new_envelope_field: { x: 1 },
      data: [{
        object: 'bucket', start_time: 1767225600, end_time: 1767229200,
        results: [
          { object: 'organization.usage.embeddings.result', input_tokens: 999, num_model_requests: 1, model: 'text-embedding-3-small' },
          { object: 'organization.usage.completions.result', input_tokens: 70, output_tokens: 5, input_uncached_tokens: 70, input_text_tokens: 70, future_counter: 12, model: null, project_id: null, batch: true },
        ],
      }],
    });
    const [batch] = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z') }));
    expect(batch).toEqual([expect.objectContaining({ model: 'unknown', grouping: 'batch=true', inputUncached: 70, inputCacheRead: 0, inputCacheWrite: 0, outputTokens: 5, requests: null, unreported: ['cache_read', 'cache_write', 'reasoning'], formatVersion: '2026-07' })]);
  });

  it('yields the still-open hour with the end the API cut it at, not the hour boundary', async () => {
    fake.setUsage([
      { startTime: sec('2026-01-03T09:10:00Z'), model: 'gpt-4o', input_tokens: 5, output_tokens: 1, num_model_requests: 1 },
      { startTime: sec('2026-01-03T10:05:00Z'), model: 'gpt-4o', input_tokens: 7, output_tokens: 2, num_model_requests: 1 },
    ]);
    const [batch] = await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-03T09:00:00Z'), to: new Date('2026-01-03T11:00:00Z') }));
    expect(batch.map((r) => [r.bucketStart.toISOString(), r.bucketEnd.toISOString(), r.inputUncached])).toEqual([
      ['2026-01-03T09:00:00.000Z', '2026-01-03T10:00:00.000Z', 5],
      ['2026-01-03T10:00:00.000Z', '2026-01-03T10:30:00.000Z', 7],
    ]);
  });

  it('clamps end_time to now, and makes no call for a window that starts after now', async () => {
    await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-03T08:00:00Z'), to: new Date('2026-01-04T00:00:00Z') }));
    expect(fake.requests[0].query.get('end_time')).toBe(String(NOW.getTime() / 1000));
    fake.reset();
    expect(await collect(connector().pollUsage({ key: KEY, from: new Date('2026-01-03T11:00:00Z'), to: new Date('2026-01-03T12:00:00Z') }))).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('OpenAI connector: validateKey', () => {
  it('accepts an admin key with one cheap usage call, then reads the organization the key is bound to', async () => {
    await expect(connector().validateKey(KEY)).resolves.toEqual({ ok: true, accountId: 'org-FakeOpenAIOrg0001', accountName: 'Fake OpenAI Org' });
    const q = fake.requests[0].query;
    expect([q.get('limit'), q.get('bucket_width'), q.get('start_time')]).toEqual(['1', '1h', String(sec('2026-01-03T09:00:00Z'))]);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/organization/usage/completions', '/v1/organization']);
  });

  it('accepts a key that reads usage but may not read the organization (403), with the account unknown', async () => {
    const restricted = await startOpenAIFake({ adminKeys: [KEY], organization: null, now: () => NOW });
    try {
      const result = await createOpenAIConnector({ baseUrl: restricted.baseUrl, timeoutMs: 5000, now: () => NOW }).validateKey(KEY);
      expect(result).toEqual({ ok: true, accountId: null, accountName: null });
      expect(restricted.requests.map((r) => r.path)).toEqual(['/v1/organization/usage/completions', '/v1/organization']);
    } finally {
      await restricted.close();
    }
  });

  it('rejects a bad key with the provider message and never the key', async () => {
    const bad = 'sk-admin-revoked-0123456789';
    const result = await connector().validateKey(bad);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_key' });
    expect(result.ok === false && result.message).toMatch(/Admin key .*Provider said: Incorrect API key provided: sk-adm\*+6789/);
    expect(JSON.stringify(result)).not.toContain(bad);
  });

  it('throws (does not reject the key) when the provider is down', async () => {
    fake.failNext(1, { status: 503, message: 'The engine is currently overloaded' });
    await expect(connector().validateKey(KEY)).rejects.toMatchObject({ name: 'ProviderError', kind: 'transient', status: 503, providerMessage: 'The engine is currently overloaded' });
  });
});
