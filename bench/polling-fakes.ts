// The polling benchmark's provider fakes, run in their own process (their CPU is measured apart from the worker's):
// OpenAI, Anthropic and OpenRouter usage APIs speaking the documented wire formats (reference/providers.md):
// paths, auth headers, query parameters, JSON shapes, error envelopes and cursor pagination.
// Started by bench/polling.ts with fork(); answers { type: 'stats' } with call counts.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BENCH_KEY_PREFIX, bucketBounds, DAY_MS, decodePage, encodePage, HOUR_MS, modelsOf, usageAt, type FakeProvider, type HourUsage,
} from './polling-usage';

interface Answer { status: number; body: unknown; headers?: Record<string, string> }
type Query = URLSearchParams;

const WIDTHS: Record<string, { ms: number; defaultLimit: number; maxLimit: number }> = {
  '1m': { ms: 60_000, defaultLimit: 60, maxLimit: 1440 },
  '1h': { ms: HOUR_MS, defaultLimit: 24, maxLimit: 168 },
  '1d': { ms: DAY_MS, defaultLimit: 7, maxLimit: 31 },
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
const unknownParam = (q: Query, allowed: string[]) => [...q.keys()].find((k) => !allowed.includes(k));
const isBenchKey = (provider: FakeProvider, key: string | undefined): key is string => !!key && key.startsWith(BENCH_KEY_PREFIX[provider]);

type ModelRow = { model: string | null; u: HourUsage | null };

/** Without group_by[]=model the APIs answer one row per bucket with `model: null`, summed over models. */
function ungrouped(rows: ModelRow[]): ModelRow[] {
  if (rows.length === 0) return [];
  const u = rows.map((r) => r.u!).reduce((a, b) => ({
    input: a.input + b.input, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite, output: a.output + b.output, requests: a.requests + b.requests,
  }));
  return [{ model: null, u }];
}

/** The page of buckets a `limit`/`page` pair selects, as OpenAI and Anthropic page them. */
function pageOfBuckets(bounds: Array<[number, number]>, q: Query, limit: number) {
  const offset = decodePage(q.get('page'));
  if (offset === undefined) return undefined;
  const hasMore = offset + limit < bounds.length;
  return { items: bounds.slice(offset, offset + limit), hasMore, nextPage: hasMore ? encodePage(offset + limit) : null };
}

const openAIError = (status: number, message: string, param: string | null = null, code: string | null = null): Answer =>
  ({ status, body: { error: { message, type: 'invalid_request_error', param, code } } });

function openAI(method: string, path: string, q: Query, headers: http.IncomingHttpHeaders, nowMs: number, dataNowMs: number): Answer {
  if (method !== 'GET' || path !== '/v1/organization/usage/completions') return openAIError(404, `Invalid URL (${method} ${path})`);
  const key = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
  if (!isBenchKey('openai', key)) return openAIError(401, 'Incorrect API key provided.', null, 'invalid_api_key');
  const unknown = unknownParam(q, ['start_time', 'end_time', 'bucket_width', 'limit', 'page', 'group_by[]', 'models[]', 'project_ids[]']);
  if (unknown) return openAIError(400, `Unknown parameter: '${unknown}'.`, unknown, 'unknown_parameter');
  const start = Number(q.get('start_time'));
  const end = q.has('end_time') ? Number(q.get('end_time')) : nowMs / 1000;
  if (!Number.isInteger(start) || !Number.isFinite(end)) return openAIError(400, 'start_time and end_time must be integers (unix seconds).', 'start_time');
  if (end * 1000 > nowMs + 60_000) return openAIError(400, 'end_time must not be in the future.', 'end_time');
  const width = WIDTHS[q.get('bucket_width') ?? '1d'];
  if (!width) return openAIError(400, "bucket_width must be one of '1m', '1h', '1d'.", 'bucket_width');
  const limit = q.has('limit') ? Number(q.get('limit')) : width.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > width.maxLimit) return openAIError(400, `limit must be between 1 and ${width.maxLimit}.`, 'limit');
  const byModel = q.getAll('group_by[]').includes('model');
  // OpenAI starts the first bucket at start_time itself and cuts the open one at end_time.
  const page = pageOfBuckets(bucketBounds(start * 1000, end * 1000, width.ms, { snap: false, omitPartial: false }), q, limit);
  if (!page) return openAIError(400, 'Invalid page cursor.', 'page');
  const models = modelsOf('openai', key);
  const data = page.items.map(([from, to]) => {
    const aligned = Math.floor(from / width.ms) * width.ms;
    const rows: ModelRow[] = models.map((model) => ({ model, u: usageAt(key, model, aligned, width.ms, Math.min(dataNowMs, to)) })).filter((r) => r.u);
    const results = (byModel ? rows : ungrouped(rows))
      .map(({ model, u }) => ({
        object: 'organization.usage.completions.result',
        input_tokens: u!.input, input_cached_tokens: u!.cacheRead, input_cache_write_tokens: u!.cacheWrite, input_uncached_tokens: u!.input - u!.cacheRead - u!.cacheWrite,
        output_tokens: u!.output, input_audio_tokens: 0, output_audio_tokens: 0, num_model_requests: u!.requests,
        project_id: null, user_id: null, api_key_id: null, model, batch: null, service_tier: null,
      }));
    return { object: 'bucket', start_time: from / 1000, end_time: to / 1000, results };
  });
  return { status: 200, body: { object: 'page', data, has_more: page.hasMore, next_page: page.nextPage }, headers: { 'x-request-id': `req_${randomUUID().slice(0, 12)}` } };
}


const anthropicError = (status: number, type: string, message: string): Answer =>
  ({ status, body: { type: 'error', error: { type, message }, request_id: `req_${randomUUID().replace(/-/g, '')}` } });

function anthropic(method: string, path: string, q: Query, headers: http.IncomingHttpHeaders, nowMs: number, dataNowMs: number): Answer {
  if (method !== 'GET' || path !== '/v1/organizations/usage_report/messages') return anthropicError(404, 'not_found_error', `Not found: ${method} ${path}`);
  const key = typeof headers['x-api-key'] === 'string' ? headers['x-api-key'] : undefined;
  if (!isBenchKey('anthropic', key)) return anthropicError(401, 'authentication_error', 'invalid x-api-key');
  if (headers['anthropic-version'] !== '2023-06-01') return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required and must be a valid version');
  const unknown = unknownParam(q, ['starting_at', 'ending_at', 'bucket_width', 'limit', 'page', 'group_by[]', 'models[]', 'api_key_ids[]', 'workspace_ids[]']);
  if (unknown) return anthropicError(400, 'invalid_request_error', `${unknown}: Extra inputs are not permitted`);
  const starting = q.get('starting_at');
  const ending = q.get('ending_at');
  if (!starting || !RFC3339.test(starting) || (ending !== null && !RFC3339.test(ending))) return anthropicError(400, 'invalid_request_error', 'starting_at: must be an RFC 3339 timestamp');
  const width = WIDTHS[q.get('bucket_width') ?? '1d'];
  if (!width) return anthropicError(400, 'invalid_request_error', 'bucket_width: must be one of 1m, 1h, 1d');
  const limit = q.has('limit') ? Number(q.get('limit')) : width.defaultLimit;
  if (!Number.isInteger(limit) || limit < 1 || limit > width.maxLimit) return anthropicError(400, 'invalid_request_error', `limit: must be between 1 and ${width.maxLimit}`);
  const byModel = q.getAll('group_by[]').includes('model');
  const endMs = ending === null ? nowMs : Math.min(Date.parse(ending), nowMs);
  // Anthropic snaps starting_at down and returns only buckets that end before ending_at.
  const page = pageOfBuckets(bucketBounds(Date.parse(starting), endMs, width.ms, { snap: true, omitPartial: true }), q, limit);
  if (!page) return anthropicError(400, 'invalid_request_error', 'page: invalid cursor');
  const models = modelsOf('anthropic', key);
  const data = page.items.map(([from, to]) => {
    const rows: ModelRow[] = models.map((model) => ({ model, u: usageAt(key, model, from, width.ms, dataNowMs) })).filter((r) => r.u);
    const results = (byModel ? rows : ungrouped(rows))
      .map(({ model, u }) => ({
        uncached_input_tokens: u!.input - u!.cacheRead - u!.cacheWrite,
        cache_creation: { ephemeral_5m_input_tokens: u!.cacheWrite, ephemeral_1h_input_tokens: 0 },
        cache_read_input_tokens: u!.cacheRead, output_tokens: u!.output, server_tool_use: { web_search_requests: 0 },
        api_key_id: null, workspace_id: null, model, service_tier: null, context_window: null,
      }));
    return { starting_at: iso(from), ending_at: iso(to), results };
  });
  return { status: 200, body: { data, has_more: page.hasMore, next_page: page.nextPage }, headers: { 'request-id': `req_${randomUUID().replace(/-/g, '')}` } };
}

const openRouterError = (status: number, message: string): Answer => ({ status, body: { error: { code: status, message } } });

function openRouter(method: string, path: string, q: Query, headers: http.IncomingHttpHeaders, nowMs: number, dataNowMs: number): Answer {
  if (method !== 'GET' || path !== '/api/v1/activity') return openRouterError(404, 'Not Found');
  const key = /^Bearer (.+)$/.exec(String(headers.authorization ?? ''))?.[1];
  if (!isBenchKey('openrouter', key)) return openRouterError(401, 'User not found.');
  const unknown = unknownParam(q, ['date', 'api_key_hash', 'user_id', 'workspace_id', 'group_by']);
  if (unknown) return openRouterError(400, `Unrecognized query parameter: ${unknown}`);
  const date = q.get('date');
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const day = date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  // Completed UTC days only, the last 30 of them.
  if (Number.isNaN(day) || day >= today || day < today - 30 * DAY_MS) return openRouterError(400, 'Date must be within the last 30 (completed) UTC days');
  const data = modelsOf('openrouter', key).flatMap((model) => {
    const u = usageAt(key, model, day, DAY_MS, dataNowMs);
    if (!u) return [];
    // One row per serving endpoint; two endpoints for some models, as the real report lists them.
    const split = u.input % 3 === 0 ? [0.7, 0.3] : [1];
    return split.map((share, i) => ({
      date, model, model_permaslug: `${model}-2025`, endpoint_id: `00000000-0000-4000-8000-00000000000${i}`, provider_name: i === 0 ? 'Primary' : 'Fallback',
      usage: Math.round(u.input * share) / 1e6, byok_usage_inference: 0, requests: Math.max(1, Math.round(u.requests * share)),
      prompt_tokens: Math.round(u.input * share), completion_tokens: Math.round(u.output * share), reasoning_tokens: Math.round(u.output * share * 0.1),
    }));
  });
  return { status: 200, body: { data } };
}

const HANDLERS: Record<FakeProvider, typeof openAI> = { openai: openAI, anthropic, openrouter: openRouter };

export interface FakeStats { calls: Record<string, number>; errors: Record<string, number> }

export interface PollingFakes {
  urls: Record<FakeProvider, string>;
  stats(): FakeStats;
  /** Serve usage as it stood `ms` ago (buckets after that are empty), so a later poll finds a new hour, as an hourly poll does. */
  setDataLag(ms: number): void;
  close(): Promise<void>;
}

/** Starts the three fakes on loopback; `latencyMs` delays every answer (0: as fast as the machine allows). */
export async function startPollingFakes(latencyMs: number): Promise<PollingFakes> {
  const stats: FakeStats = { calls: {}, errors: {} };
  let lagMs = 0;
  const servers: http.Server[] = [];
  const urls = {} as Record<FakeProvider, string>;
  for (const provider of Object.keys(HANDLERS) as FakeProvider[]) {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://fake.invalid');
      const now = Date.now();
      const answer = HANDLERS[provider](req.method ?? 'GET', url.pathname, url.searchParams, req.headers, now, now - lagMs);
      stats.calls[provider] = (stats.calls[provider] ?? 0) + 1;
      if (answer.status !== 200) stats.errors[`${provider} ${answer.status}`] = (stats.errors[`${provider} ${answer.status}`] ?? 0) + 1;
      const send = () => { res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }); res.end(JSON.stringify(answer.body)); };
      if (latencyMs > 0) setTimeout(send, latencyMs); else send();
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    // OpenRouter's base URL carries /api, as the real one does (https://openrouter.ai/api).
    urls[provider] = `http://127.0.0.1:${port}${provider === 'openrouter' ? '/api' : ''}`;
  }
  return {
    urls,
    stats: () => structuredClone(stats),
    setDataLag: (ms) => { lagMs = ms; },
    close: async () => { await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); }))); },
  };
}

if (require.main === module) {
  void startPollingFakes(Number(process.argv[2] ?? 0)).then((fakes) => {
    process.on('message', (message: { type?: string; ms?: number }) => {
      if (message.type === 'stats') process.send?.({ type: 'stats', stats: fakes.stats() });
      if (message.type === 'lag') { fakes.setDataLag(message.ms ?? 0); process.send?.({ type: 'lag' }); }
    });
    process.on('disconnect', () => { void fakes.close().then(() => process.exit(0)); });
    process.send?.({ type: 'ready', urls: fakes.urls });
  });
}
