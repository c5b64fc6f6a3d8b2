import { z } from 'zod';
import type { TokenClass, UsageBucket } from '../../contracts/usage';
import { createHttpClient } from './http';
import { ceilHour, floorHour, mergeBuckets, rejectionToValidation, serializeGrouping, toRfc3339, unreportedClasses } from './normalize';
import { paginate } from './paginate';
import type { ConnectorOptions, UsageConnector } from './usage-connector';

const USAGE_PATH = '/v1/organizations/usage_report/messages';
const ME_PATH = '/v1/organizations/me';
const API_VERSION = '2023-06-01';
const HOURS_PER_PAGE = 168;

const count = z.number().int().min(0);
const dimension = z.string().nullish();

const MessagesResult = z.object({
  uncached_input_tokens: count,
  output_tokens: count,
  cache_read_input_tokens: count.nullish(),
  // Nested per the official reference; a third-party flat variant (cache_creation_5m_input_tokens) is not real.
  cache_creation: z.object({ ephemeral_5m_input_tokens: count.nullish(), ephemeral_1h_input_tokens: count.nullish() }).nullish(),
  server_tool_use: z.object({ web_search_requests: count.nullish() }).nullish(),
  model: dimension,
  api_key_id: dimension,
  workspace_id: dimension,
  service_tier: dimension,
  context_window: dimension,
  inference_geo: dimension,
  speed: dimension,
  account_id: dimension,
  service_account_id: dimension,
});
type MessagesResult = z.infer<typeof MessagesResult>;

const timestamp = z.iso.datetime({ offset: true });
const UsageReport = z.object({
  data: z.array(z.object({ starting_at: timestamp, ending_at: timestamp, results: z.array(MessagesResult) })),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});

const Organization = z.object({ id: z.string(), name: z.string().nullish() });

export function mapAnthropicResult(r: MessagesResult, startingAt: string, endingAt: string): UsageBucket {
  const unreported: TokenClass[] = ['reasoning']; // extended thinking is inside output_tokens, not reported apart
  if (r.cache_read_input_tokens === null || r.cache_read_input_tokens === undefined) unreported.push('cache_read');
  if (!r.cache_creation) unreported.push('cache_write');
  const { api_key_id, workspace_id, service_tier, context_window, inference_geo, speed, account_id, service_account_id } = r;
  const webSearchRequests = r.server_tool_use?.web_search_requests;
  return {
    provider: 'anthropic',
    model: r.model || 'unknown',
    bucketStart: new Date(startingAt),
    bucketEnd: new Date(endingAt),
    grouping: serializeGrouping({ api_key_id, workspace_id, service_tier, context_window, inference_geo, speed, account_id, service_account_id }),
    inputUncached: r.uncached_input_tokens,
    inputCacheWrite: (r.cache_creation?.ephemeral_5m_input_tokens ?? 0) + (r.cache_creation?.ephemeral_1h_input_tokens ?? 0),
    inputCacheRead: r.cache_read_input_tokens ?? 0,
    outputTokens: r.output_tokens,
    reasoningTokens: 0,
    requests: null, // not part of this report
    unreported: unreportedClasses(unreported),
    // Not tokens, so never converted to energy; kept so nothing the report says is lost.
    ...(webSearchRequests === null || webSearchRequests === undefined ? {} : { webSearchRequests }),
  };
}

export function createAnthropicConnector(options: ConnectorOptions): UsageConnector {
  const now = options.now ?? (() => new Date());
  const http = createHttpClient({ ...options, provider: 'anthropic', now });
  const headers = (key: string) => ({ 'x-api-key': key, 'anthropic-version': API_VERSION });

  return {
    provider: 'anthropic',

    async validateKey(key) {
      try {
        const org = await http.getJson({ path: ME_PATH, headers: headers(key), secret: key, schema: Organization });
        return { ok: true, accountId: org.id, accountName: org.name ?? null };
      } catch (error) {
        return rejectionToValidation(error, {
          invalid_key: 'Anthropic rejected this key. Use an Admin key (sk-ant-admin01-…) and check it has not been revoked.',
          forbidden: 'Anthropic refused this key. Use an Admin key created by an organization member with the admin role.',
        });
      }
    },

    async *pollUsage({ key, from, to, signal }) {
      const start = floorHour(from);
      const end = new Date(Math.min(ceilHour(to).getTime(), now().getTime()));
      if (end <= start) return;
      const base = { starting_at: toRfc3339(start), ending_at: toRfc3339(end), bucket_width: '1h', limit: HOURS_PER_PAGE, 'group_by[]': ['model'] };
      yield* paginate('anthropic', async (page) => {
        const body = await http.getJson({ path: USAGE_PATH, query: { ...base, page }, headers: headers(key), secret: key, schema: UsageReport, signal });
        const rows = body.data.flatMap((bucket) => bucket.results.map((r) => mapAnthropicResult(r, bucket.starting_at, bucket.ending_at)));
        return { items: mergeBuckets(rows), hasMore: body.has_more, nextPage: body.next_page };
      });
    },
  };
}
