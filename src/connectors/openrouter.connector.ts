import { z } from 'zod';
import type { UsageBucket } from '../../contracts/usage';
import { ProviderError } from './errors';
import { createHttpClient } from './http';
import { DAY_MS, floorDay, mergeBuckets, rejectionToValidation, serializeGrouping } from './normalize';
import type { ConnectorOptions, UsageConnector } from './usage-connector';

const ACTIVITY_PATH = '/v1/activity';
const KEY_PATH = '/v1/key';
// /activity serves the last 30 completed UTC days; the 30th is about to fall out and would race midnight.
const MAX_DAYS_BACK = 29;
export const OPENROUTER_WRONG_KEY_MESSAGE =
  'This is an inference key; create a management key at https://openrouter.ai/settings/management-keys';

const count = z.number().int().min(0);

const ActivityItem = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  model: z.string().nullish(),
  endpoint_id: z.string().nullish(),
  provider_name: z.string().nullish(),
  workspace_id: z.string().nullish(),
  requests: count.nullish(),
  prompt_tokens: count.nullish(),
  completion_tokens: count.nullish(),
  reasoning_tokens: count.nullish(),
});
type ActivityItem = z.infer<typeof ActivityItem>;
const ActivityResponse = z.object({ data: z.array(ActivityItem) });

// Older keys still send only the deprecated is_provisioning_key ("provisioning" was the old name).
const KeyInfo = z.object({
  data: z.object({ is_management_key: z.boolean().nullish(), is_provisioning_key: z.boolean().nullish() }),
});

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * UTC days overlapping [from, to) that /activity can serve: completed (never today, which it answers with 400)
 * and at most 29 days back.
 */
export function completedDays(from: Date, to: Date, now: Date): string[] {
  const today = floorDay(now).getTime();
  const days: string[] = [];
  for (let day = Math.max(floorDay(from).getTime(), today - MAX_DAYS_BACK * DAY_MS); day < to.getTime() && day < today; day += DAY_MS) {
    days.push(isoDate(day));
  }
  return days;
}

/**
 * The 400 /activity gives for a day outside its window. For yesterday shortly after midnight it means "not served
 * yet" (how soon a day is served is undocumented); for the oldest day, a clock of theirs ahead of ours. Such an
 * edge day is skipped and the poller, which re-reads the last 72 h every poll, asks again. For any other day it
 * means our request is wrong, and fails the poll.
 */
function isDayNotServed(error: unknown, date: string, now: Date): boolean {
  const today = floorDay(now).getTime();
  const isEdge = date === isoDate(today - DAY_MS) || date === isoDate(today - MAX_DAYS_BACK * DAY_MS);
  return isEdge && error instanceof ProviderError && error.status === 400 && /\(completed\) UTC days/i.test(error.providerMessage);
}

/**
 * One row per (date, model, endpoint); the caller sums endpoints of one provider (provider_name stays a dimension
 * because the serving provider decides the datacenter). OpenRouter has no cache split, so every prompt
 * token is charged as uncached. Reasoning is treated as a subset of completion (OpenAI's convention) unless a row
 * proves otherwise by exceeding it, in which case the two counters must be disjoint.
 */
export function mapOpenRouterItem(item: ActivityItem): UsageBucket {
  const completion = item.completion_tokens ?? 0;
  const reasoning = item.reasoning_tokens ?? 0;
  const start = new Date(`${item.date}T00:00:00Z`);
  return {
    provider: 'openrouter',
    model: item.model || 'unknown',
    bucketStart: start,
    bucketEnd: new Date(start.getTime() + DAY_MS),
    grouping: serializeGrouping({ provider_name: item.provider_name, workspace_id: item.workspace_id }),
    inputUncached: item.prompt_tokens ?? 0,
    inputCacheWrite: 0,
    inputCacheRead: 0,
    outputTokens: reasoning > completion ? completion + reasoning : completion,
    reasoningTokens: reasoning,
    requests: item.requests ?? null,
    unreported: ['cache_read', 'cache_write'],
  };
}

export function createOpenRouterConnector(options: ConnectorOptions): UsageConnector {
  const now = options.now ?? (() => new Date());
  const http = createHttpClient({ ...options, provider: 'openrouter', now });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  return {
    provider: 'openrouter',

    async validateKey(key) {
      try {
        // Management and inference keys share the sk-or-v1- prefix; only /key can tell them apart.
        const info = await http.getJson({ path: KEY_PATH, headers: auth(key), secret: key, schema: KeyInfo });
        if ((info.data.is_management_key ?? info.data.is_provisioning_key) !== true) return { ok: false, reason: 'wrong_key_type', message: OPENROUTER_WRONG_KEY_MESSAGE };
        // No account id: /key's creator_user_id is the member who created the key, not the account (the spec:
        // "For organization-owned keys, this is the member who created the key"), and nothing else names one.
        return { ok: true, accountId: null, accountName: null };
      } catch (error) {
        return rejectionToValidation(error, {
          invalid_key: 'OpenRouter rejected this key; check it has not been disabled or deleted.',
          wrong_key_type: OPENROUTER_WRONG_KEY_MESSAGE + '.',
          forbidden: 'OpenRouter refused this key.',
        });
      }
    },

    async *pollUsage({ key, from, to, signal }) {
      const at = now();
      for (const date of completedDays(from, to, at)) {
        let body: z.infer<typeof ActivityResponse>;
        try {
          body = await http.getJson({ path: ACTIVITY_PATH, query: { date }, headers: auth(key), secret: key, schema: ActivityResponse, signal });
        } catch (error) {
          if (isDayNotServed(error, date, at)) continue;
          throw error;
        }
        yield mergeBuckets(body.data.map(mapOpenRouterItem));
      }
    },
  };
}
