import type { KeyValidation, TokenClass, UsageBucket } from '../../contracts/usage';
import { ProviderError } from './errors';

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const floorHour = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
export const ceilHour = (d: Date): Date => new Date(Math.ceil(d.getTime() / HOUR_MS) * HOUR_MS);
export const floorDay = (d: Date): Date => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);

/** RFC 3339 without milliseconds, the form the providers' own examples use. */
export const toRfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Stable serialization of the grouping dimensions other than model: non-null values only, keys sorted,
 * values URI-encoded, `''` when none. It is part of the usage row's natural key, so it must never depend on
 * the order in which a provider lists fields.
 */
export function serializeGrouping(dimensions: Record<string, string | boolean | null | undefined>): string {
  return Object.keys(dimensions)
    .filter((k) => dimensions[k] !== null && dimensions[k] !== undefined && dimensions[k] !== '')
    .sort()
    .map((k) => `${k}=${encodeURIComponent(String(dimensions[k]))}`)
    .join('&');
}

const CLASS_ORDER: readonly TokenClass[] = ['input_uncached', 'cache_read', 'cache_write', 'output', 'reasoning'];

export function unreportedClasses(classes: Iterable<TokenClass>): TokenClass[] {
  const set = new Set(classes);
  return CLASS_ORDER.filter((c) => set.has(c));
}

// Reported-but-unconverted counters: absent + absent stays absent, so "not reported" never turns into 0.
const OPTIONAL_COUNTS = ['webSearchRequests', 'inputAudioTokens', 'outputAudioTokens'] as const;

const keyOf = (b: UsageBucket): string => `${b.bucketStart.toISOString()}\u0000${b.model}\u0000${b.grouping}`;

/**
 * Sums rows that share a natural key (OpenRouter lists one row per endpoint; the others should never repeat a
 * key, but a duplicate in one batch would make the ingestion upsert touch a row twice).
 */
export function mergeBuckets(rows: UsageBucket[]): UsageBucket[] {
  const merged = new Map<string, UsageBucket>();
  for (const row of rows) {
    const seen = merged.get(keyOf(row));
    if (!seen) {
      merged.set(keyOf(row), { ...row, unreported: [...row.unreported] });
      continue;
    }
    seen.inputUncached += row.inputUncached;
    seen.inputCacheWrite += row.inputCacheWrite;
    seen.inputCacheRead += row.inputCacheRead;
    seen.outputTokens += row.outputTokens;
    seen.reasoningTokens += row.reasoningTokens;
    seen.requests = seen.requests === null && row.requests === null ? null : (seen.requests ?? 0) + (row.requests ?? 0);
    for (const name of OPTIONAL_COUNTS) {
      if (row[name] !== undefined) seen[name] = (seen[name] ?? 0) + row[name];
    }
    seen.unreported = unreportedClasses([...seen.unreported, ...row.unreported]);
    if (seen.formatVersion !== row.formatVersion) seen.formatVersion = 'mixed';
  }
  return [...merged.values()];
}

/** Turns a credential rejection into `{ ok: false }` with a user-facing hint; rethrows everything else. */
export function rejectionToValidation(error: unknown, hints: Partial<Record<'invalid_key' | 'forbidden' | 'wrong_key_type', string>>): KeyValidation {
  if (!(error instanceof ProviderError) || !error.isCredentialRejected) throw error;
  const reason = error.code as 'invalid_key' | 'forbidden' | 'wrong_key_type';
  const hint = hints[reason] ?? 'The provider rejected this key.';
  return { ok: false, reason, message: `${hint} Provider said: ${error.providerMessage}` };
}
