import { parseFixed } from './fixed-decimal';

export const TOKEN_COLUMNS = ['input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens'] as const;
/** Reported but never converted to energy: stored so nothing a provider reports is thrown away. */
export const EXTRA_COLUMNS = ['requests', 'web_search_requests', 'input_audio_tokens', 'output_audio_tokens'] as const;
export const EMISSION_COLUMNS = ['energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'] as const;

/** An event row as ingestion reads it back to compare, correct or supersede it. */
export interface StoredEvent {
  /** With bucketStart, the primary key: usage_events is partitioned by month of bucket_start. */
  id: string; bucketStart: string; projectId: string; model: string; day: string; bucketEndMs: number; fetchedAtMs: number;
  tokens: number[]; extras: Array<number | null>; factorVersion: string; emissions: bigint[];
}

const orNull = (v: string | null) => (v === null ? null : Number(v));

/** Columns a stored event is read back with, for `toStoredEvent`. */
export const STORED_EVENT_COLUMNS = `id, bucket_start, encode(idempotency_key, 'hex') AS key, project_id, model, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
  bucket_end, fetched_at, factor_version, ${TOKEN_COLUMNS.join(', ')}, ${EXTRA_COLUMNS.join(', ')}, ${EMISSION_COLUMNS.join(', ')}`;

export function toStoredEvent(f: Record<string, string | Date | null>): StoredEvent {
  const text = (c: string) => f[c] as string;
  return {
    id: text('id'), bucketStart: (f.bucket_start as Date).toISOString(), projectId: text('project_id'), model: text('model'), day: text('day'), factorVersion: text('factor_version'),
    bucketEndMs: (f.bucket_end as Date).getTime(), fetchedAtMs: (f.fetched_at as Date).getTime(),
    tokens: TOKEN_COLUMNS.map((c) => Number(f[c])), extras: EXTRA_COLUMNS.map((c) => orNull(f[c] as string | null)),
    emissions: EMISSION_COLUMNS.map((c) => parseFixed(text(c))),
  };
}
