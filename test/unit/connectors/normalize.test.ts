import type { UsageBucket } from '../../../contracts/usage';
import { UsageBucket as UsageBucketSchema } from '../../../contracts/usage';
import { buildUrl } from '../../../src/connectors/http';
import { mergeBuckets, serializeGrouping } from '../../../src/connectors/normalize';

const row = (over: Partial<UsageBucket>): UsageBucket => ({
  provider: 'openrouter', model: 'm', bucketStart: new Date('2026-01-01T00:00:00Z'), bucketEnd: new Date('2026-01-02T00:00:00Z'),
  grouping: '', inputUncached: 1, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 2, reasoningTokens: 0, requests: 1,
  unreported: ['cache_read'], ...over,
});

describe('serializeGrouping', () => {
  it('is independent of field order, skips null dimensions and encodes values', () => {
    expect(serializeGrouping({ project_id: 'p 1', api_key_id: 'k&1', user_id: null, batch: false })).toBe('api_key_id=k%261&batch=false&project_id=p%201');
    expect(serializeGrouping({ batch: false, api_key_id: 'k&1', project_id: 'p 1' })).toBe('api_key_id=k%261&batch=false&project_id=p%201');
    expect(serializeGrouping({ workspace_id: null, service_tier: undefined })).toBe('');
  });
});

describe('mergeBuckets', () => {
  it('sums rows sharing (bucket, model, grouping) and keeps the others apart', () => {
    const merged = mergeBuckets([
      row({ inputUncached: 10, requests: 2 }),
      row({ inputUncached: 5, outputTokens: 7, requests: null, unreported: ['cache_write'] }),
      row({ grouping: 'workspace_id=w' }),
      row({ model: 'other' }),
    ]);
    expect(merged.map((r) => [r.model, r.grouping, r.inputUncached, r.outputTokens, r.requests, r.unreported])).toEqual([
      ['m', '', 15, 9, 2, ['cache_read', 'cache_write']],
      ['m', 'workspace_id=w', 1, 2, 1, ['cache_read']],
      ['other', '', 1, 2, 1, ['cache_read']],
    ]);
  });
});

describe('mergeBuckets: reported-but-unconverted counters', () => {
  it('sums web searches and audio tokens, and keeps them absent when no row reported them', () => {
    const [withCounts, without] = mergeBuckets([
      row({ webSearchRequests: 3, inputAudioTokens: 10 }),
      row({ webSearchRequests: 2, outputAudioTokens: 4 }),
      row({ inputAudioTokens: 5 }),
      row({ model: 'silent' }),
      row({ model: 'silent' }),
    ]);
    expect([withCounts.webSearchRequests, withCounts.inputAudioTokens, withCounts.outputAudioTokens]).toEqual([5, 15, 4]);
    expect(['webSearchRequests', 'inputAudioTokens', 'outputAudioTokens'].filter((k) => k in without)).toEqual([]);
  });
});

describe('UsageBucket contract', () => {
  it('revives ISO strings (as rows arrive through Temporal/JSON) into Dates', () => {
    const parsed = UsageBucketSchema.parse(JSON.parse(JSON.stringify(row({}))));
    expect(parsed.bucketStart).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(() => UsageBucketSchema.parse({ ...row({}), inputUncached: -1 })).toThrow();
  });
});

describe('buildUrl', () => {
  it('keeps the base path and repeats bracketed array keys', () => {
    expect(buildUrl('https://openrouter.ai/api/', '/v1/activity', { date: '2026-01-01' })).toBe('https://openrouter.ai/api/v1/activity?date=2026-01-01');
    expect(buildUrl('https://api.openai.com', '/v1/x', { 'group_by[]': ['model', 'project_id'], page: undefined, limit: 1 }))
      .toBe('https://api.openai.com/v1/x?group_by%5B%5D=model&group_by%5B%5D=project_id&limit=1');
  });
});
