import { z } from 'zod';

export const Provider = z.enum(['openai', 'anthropic', 'openrouter']);
export type Provider = z.infer<typeof Provider>;

/** The five normalized token classes (reference/providers.md §0). */
export const TokenClass = z.enum(['input_uncached', 'cache_read', 'cache_write', 'output', 'reasoning']);
export type TokenClass = z.infer<typeof TokenClass>;

const count = z.number().int().min(0);

/**
 * One normalized usage row: one (provider, model, bucket, grouping) with disjoint input classes.
 *
 * - `bucketStart`/`bucketEnd` are `Date` in TypeScript, UTC instants, end exclusive. They cross Temporal and
 *   JSON as ISO 8601 strings; `UsageBucket.parse` turns those back into `Date` (hence `z.coerce.date()`).
 * - `grouping` is the stable serialization of every non-null dimension other than `model`
 *   (`api_key_id=k1&project_id=p1`: keys sorted, values URI-encoded), `''` when there is none. Together with
 *   provider, model and bucketStart it is the natural key of the row.
 * - `model` is `'unknown'` when the provider returned a null model.
 * - `inputUncached + inputCacheWrite + inputCacheRead` is all input; `outputTokens` includes reasoning;
 *   `reasoningTokens` is the reported part of `outputTokens`, never added on top.
 * - `requests` is null when the provider does not report a request count (Anthropic's usage report).
 * - `unreported` lists the classes the provider could not report for this row (their counters are 0), so the UI
 *   can say "not reported" instead of "zero".
 * - `formatVersion` distinguishes field semantics that changed over time (OpenAI: `'2026-07'` or `'legacy'`).
 */
export const UsageBucket = z.object({
  provider: Provider,
  model: z.string().min(1),
  bucketStart: z.coerce.date(),
  bucketEnd: z.coerce.date(),
  grouping: z.string(),
  inputUncached: count,
  inputCacheWrite: count,
  inputCacheRead: count,
  outputTokens: count,
  reasoningTokens: count,
  requests: count.nullable(),
  unreported: z.array(TokenClass),
  formatVersion: z.string().optional(),
  /**
   * Reported but not converted to energy (kept so nothing a provider reports is thrown away):
   * Anthropic `server_tool_use.web_search_requests`; OpenAI legacy-format `input_audio_tokens` /
   * `output_audio_tokens` (audio sat outside `input_tokens` before 2026-07-15). Absent when not reported.
   */
  webSearchRequests: count.optional(),
  inputAudioTokens: count.optional(),
  outputAudioTokens: count.optional(),
});
export type UsageBucket = z.infer<typeof UsageBucket>;

/**
 * Outcome of checking a key when a connection is created or its key replaced. `ok: false` only when the
 * provider rejected the credential itself (bad, revoked, under-privileged or wrong kind of key); anything else
 * (provider down, rate limited) is thrown as a ProviderError so the caller can say "try again".
 */
export const KeyValidation = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    /** Provider-side account id when the validation call returns one (Anthropic organization id). */
    accountId: z.string().nullable(),
    accountName: z.string().nullable(),
  }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(['invalid_key', 'forbidden', 'wrong_key_type']),
    /** Safe to show to the user: our explanation plus the provider's own message, never the key. */
    message: z.string(),
  }),
]);
export type KeyValidation = z.infer<typeof KeyValidation>;
