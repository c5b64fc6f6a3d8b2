import type { UsageBucket } from '../../contracts/usage';

export { seededRandom } from '../../src/dev/seeded-random';

/** A normalized hourly bucket with sensible defaults. */
export function bucket(overrides: Partial<UsageBucket> & { hour?: string } = {}): UsageBucket {
  const start = new Date(overrides.hour ?? '2026-11-01T00:00:00Z');
  const { hour: _hour, ...rest } = overrides;
  return {
    provider: 'openai', model: 'gpt-4o-2024-08-06', bucketStart: start, bucketEnd: new Date(start.getTime() + 3_600_000), grouping: '',
    inputUncached: 1000, inputCacheWrite: 0, inputCacheRead: 0, outputTokens: 500, reasoningTokens: 0, requests: 3, unreported: [],
    ...rest,
  };
}

