import { z } from 'zod';
import type { TokenClass, UsageBucket } from '../../contracts/usage';
import { ProviderError, schemaError } from './errors';
import { createHttpClient } from './http';
import { ceilHour, floorHour, mergeBuckets, rejectionToValidation, serializeGrouping, unreportedClasses } from './normalize';
import { paginate } from './paginate';
import type { ConnectorOptions, UsageConnector } from './usage-connector';

const PATH = '/v1/organization/usage/completions';
const ORGANIZATION_PATH = '/v1/organization';
const RESULT_OBJECT = 'organization.usage.completions.result';
const HOURS_PER_PAGE = 168; // the documented maximum for bucket_width=1h

const count = z.number().int().min(0);
const dimension = z.string().nullish();

// Unknown extra fields are stripped by z.object; only the counters we map and the dimensions we group by matter.
const CompletionsResult = z.object({
  object: z.literal(RESULT_OBJECT),
  input_tokens: count,
  output_tokens: count,
  num_model_requests: count.nullish(),
  input_cached_tokens: count.nullish(),
  input_cache_write_tokens: count.nullish(),
  input_uncached_tokens: count.nullish(),
  input_audio_tokens: count.nullish(),
  output_audio_tokens: count.nullish(),
  model: dimension,
  project_id: dimension,
  user_id: dimension,
  api_key_id: dimension,
  service_tier: dimension,
  batch: z.boolean().nullish(),
});
type CompletionsResult = z.infer<typeof CompletionsResult>;

// `results` is a oneOf over result types: read the discriminator first, validate the completions ones fully.
const UsagePage = z.object({
  data: z.array(z.object({ start_time: z.number().int(), end_time: z.number().int(), results: z.array(z.looseObject({ object: z.string() })) })),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});

/** `GET /v1/organization`: the organization bound to the admin key (`title` is the display name, `name` the slug). */
const OrganizationProfile = z.object({ id: z.string().min(1), name: z.string().nullish(), title: z.string().nullish() });

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** `{ [name]: value }` when the provider sent the counter, `{}` otherwise: absent means "not reported". */
const optionalCount = <K extends string>(name: K, value: number | null | undefined): Partial<Record<K, number>> =>
  value === null || value === undefined ? {} : ({ [name]: value } as Record<K, number>);

/**
 * Input split for both field meanings (providers.md §2.3-2.4). Since 2026-07-15 `input_uncached_tokens` is given
 * and `input_tokens` includes cached and cache-write tokens; legacy rows only have `input_tokens` (cached
 * included) so uncached is derived by subtraction. Legacy audio input sat outside `input_tokens`, so the audio
 * counters are kept apart on every row, never added to the input classes (a policy choice left to the emissions
 * side; `formatVersion` says which meaning they had).
 */
export function mapOpenAIResult(r: CompletionsResult, startTime: number, endTime: number): UsageBucket {
  const cacheRead = r.input_cached_tokens ?? 0;
  const cacheWrite = r.input_cache_write_tokens ?? 0;
  const isCurrentFormat = r.input_uncached_tokens !== null && r.input_uncached_tokens !== undefined;
  const unreported: TokenClass[] = ['reasoning']; // inside output_tokens, never reported apart
  if (r.input_cached_tokens === null || r.input_cached_tokens === undefined) unreported.push('cache_read');
  if (r.input_cache_write_tokens === null || r.input_cache_write_tokens === undefined) unreported.push('cache_write');
  return {
    provider: 'openai',
    model: r.model || 'unknown',
    bucketStart: new Date(startTime * 1000),
    bucketEnd: new Date(endTime * 1000),
    grouping: serializeGrouping({ project_id: r.project_id, user_id: r.user_id, api_key_id: r.api_key_id, service_tier: r.service_tier, batch: r.batch }),
    inputUncached: r.input_uncached_tokens ?? Math.max(0, r.input_tokens - cacheRead - cacheWrite),
    inputCacheWrite: cacheWrite,
    inputCacheRead: cacheRead,
    outputTokens: r.output_tokens,
    reasoningTokens: 0,
    requests: r.num_model_requests ?? null,
    unreported: unreportedClasses(unreported),
    formatVersion: isCurrentFormat ? '2026-07' : 'legacy',
    ...optionalCount('inputAudioTokens', r.input_audio_tokens),
    ...optionalCount('outputAudioTokens', r.output_audio_tokens),
  };
}

export function createOpenAIConnector(options: ConnectorOptions): UsageConnector {
  const now = options.now ?? (() => new Date());
  const http = createHttpClient({ ...options, provider: 'openai', now });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  /**
   * The account behind the key, so one OpenAI organization is connected once. The endpoint needs the
   * organization.read permission, which a usage-only admin key may lack: then the account stays unknown
   * (the key-fingerprint check still holds) rather than refusing a key that reads usage fine.
   */
  async function accountOf(key: string): Promise<{ accountId: string | null; accountName: string | null }> {
    try {
      const org = await http.getJson({ path: ORGANIZATION_PATH, headers: auth(key), secret: key, schema: OrganizationProfile });
      return { accountId: org.id, accountName: org.title ?? org.name ?? null };
    } catch (error) {
      if (error instanceof ProviderError && (error.status === 403 || error.status === 404)) return { accountId: null, accountName: null };
      throw error;
    }
  }

  return {
    provider: 'openai',

    async validateKey(key) {
      // The cheapest call that proves both the key and the permission to read usage.
      try {
        const start = floorHour(new Date(now().getTime() - 3_600_000));
        await http.getJson({ path: PATH, query: { start_time: seconds(start), bucket_width: '1h', limit: 1 }, headers: auth(key), secret: key, schema: UsagePage });
        return { ok: true, ...await accountOf(key) };
      } catch (error) {
        return rejectionToValidation(error, {
          invalid_key: 'OpenAI rejected this key. Use an Admin key (sk-admin-…) created by an organization Owner, and check it has not been revoked.',
          forbidden: 'OpenAI refused access to usage data for this key. Use an Admin key with permission to read usage.',
        });
      }
    },

    async *pollUsage({ key, from, to, signal }) {
      const start = floorHour(from);
      // A future end_time has been reported to fail; the open hour is provisional and re-polled later.
      const end = new Date(Math.min(ceilHour(to).getTime(), now().getTime()));
      if (end <= start) return;
      const base = { start_time: seconds(start), end_time: seconds(end), bucket_width: '1h', limit: HOURS_PER_PAGE, 'group_by[]': ['model'] };
      yield* paginate('openai', async (page) => {
        const body = await http.getJson({ path: PATH, query: { ...base, page }, headers: auth(key), secret: key, schema: UsagePage, signal });
        const rows: UsageBucket[] = [];
        for (const bucket of body.data) {
          for (const raw of bucket.results) {
            if (raw.object !== RESULT_OBJECT) continue;
            const parsed = CompletionsResult.safeParse(raw);
            if (!parsed.success) throw schemaError('openai', `unexpected usage result: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
            rows.push(mapOpenAIResult(parsed.data, bucket.start_time, bucket.end_time));
          }
        }
        return { items: mergeBuckets(rows), hasMore: body.has_more, nextPage: body.next_page };
      });
    },
  };
}
