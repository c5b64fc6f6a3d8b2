import { randomUUID } from 'node:crypto';
import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from './fake-server';
import { aggregateRows, ANTHROPIC_BUCKETS, BUCKET_WIDTHS, bucketBounds, pageOf, unknownParam } from './usage-pages';

/**
 * One messages usage result at an instant: `startingAt` (anywhere inside the bucket) plus result fields as the
 * API names them (`uncached_input_tokens`, `cache_creation: { ephemeral_5m_input_tokens, … }`, `model`, …).
 */
export type AnthropicUsageRow = { startingAt: string | Date } & Record<string, unknown>;

export interface AnthropicFakeOptions {
  adminKeys?: string[];
  /** Ordinary API keys (sk-ant-api03-…): known to the fake but refused on admin endpoints with 403. */
  apiKeys?: string[];
  organization?: { id: string; name: string };
  /** Admin keys that belong to another organization than `organization` (what `/v1/organizations/me` answers for them). */
  keyOrganizations?: Record<string, { id: string; name: string }>;
  pageSize?: number;
  now?: () => Date;
}

export interface AnthropicFake extends FakeServer {
  setUsage(rows: AnthropicUsageRow[]): void;
}

const USAGE_PATH = '/v1/organizations/usage_report/messages';
const ME_PATH = '/v1/organizations/me';
const DIMENSIONS = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed', 'account_id', 'service_account_id'] as const;
const ARRAY_FILTERS = ['api_key_ids[]', 'workspace_ids[]', 'models[]', 'service_tiers[]', 'context_window[]', 'inference_geos[]', 'account_ids[]', 'service_account_ids[]'];
const PARAMS = ['starting_at', 'ending_at', 'bucket_width', 'limit', 'page', 'group_by[]', ...ARRAY_FILTERS];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  413: 'request_too_large', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error',
};

/** Anthropic's envelope: `{ type: "error", error: { type, message }, request_id }`. */
export function anthropicError(status: number, message: string, type?: string): FakeResponse {
  return { status, body: { type: 'error', error: { type: type ?? ERROR_TYPES[status] ?? 'api_error', message }, request_id: `req_${randomUUID().replace(/-/g, '')}` } };
}

export async function startAnthropicFake(options: AnthropicFakeOptions = {}): Promise<AnthropicFake> {
  const adminKeys = new Set([...(options.adminKeys ?? ['sk-ant-admin01-good']), ...Object.keys(options.keyOrganizations ?? {})]);
  const apiKeys = new Set(options.apiKeys ?? []);
  const organization = options.organization ?? { id: '12345678-1234-5678-1234-567812345678', name: 'Fake Org' };
  const now = options.now ?? (() => new Date());
  let rows: AnthropicUsageRow[] = [];

  function authenticate(req: RecordedRequest): FakeResponse | undefined {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || key === '') return anthropicError(401, 'x-api-key header is required');
    if (apiKeys.has(key)) return anthropicError(403, 'This endpoint requires an Admin API key.');
    if (!adminKeys.has(key)) return anthropicError(401, 'invalid x-api-key');
    if (req.headers['anthropic-version'] !== '2023-06-01') return anthropicError(400, 'anthropic-version: header is required and must be a valid version');
    return undefined;
  }

  function usage(req: RecordedRequest): FakeResponse {
    const q = req.query;
    const unknown = unknownParam(q, PARAMS);
    if (unknown) return anthropicError(400, `${unknown}: Extra inputs are not permitted`);
    const starting = q.get('starting_at');
    if (!starting || !RFC3339.test(starting)) return anthropicError(400, 'starting_at: must be an RFC 3339 timestamp');
    const ending = q.get('ending_at');
    if (ending !== null && !RFC3339.test(ending)) return anthropicError(400, 'ending_at: must be an RFC 3339 timestamp');
    const width = BUCKET_WIDTHS[q.get('bucket_width') ?? '1d'];
    if (!width) return anthropicError(400, 'bucket_width: must be one of 1m, 1h, 1d');
    const limit = q.has('limit') ? Number(q.get('limit')) : width.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > width.maxLimit) return anthropicError(400, `limit: must be between 1 and ${width.maxLimit}`);
    const groupBy = q.getAll('group_by[]');
    const badGroup = groupBy.find((g) => !(DIMENSIONS as readonly string[]).includes(g));
    if (badGroup) return anthropicError(400, `group_by: invalid value '${badGroup}'`);

    const startMs = Date.parse(starting);
    const endMs = ending === null ? now().getTime() : Date.parse(ending);
    const page = pageOf(bucketBounds(startMs, endMs, width.ms, ANTHROPIC_BUCKETS), q.get('page'), Math.min(limit, options.pageSize ?? limit));
    if (!page) return anthropicError(400, 'page: invalid cursor');
    const data = page.items.map(([from, to]) => {
      const inside = rows
        .filter((r) => new Date(r.startingAt).getTime() >= from && new Date(r.startingAt).getTime() < to)
        .map(({ startingAt: _, ...result }) => result);
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
      return { starting_at: iso(from), ending_at: iso(to), results: aggregateRows(inside, DIMENSIONS, groupBy) };
    });
    return { status: 200, body: { data, has_more: page.hasMore, next_page: page.nextPage } };
  }

  const server = await startFakeServer({
    handle(req) {
      const routes: Record<string, () => FakeResponse> = {
        [USAGE_PATH]: () => usage(req),
        [ME_PATH]: () => {
          const org = options.keyOrganizations?.[String(req.headers['x-api-key'])] ?? organization;
          return { status: 200, body: { id: org.id, type: 'organization', name: org.name } };
        },
      };
      const route = req.method === 'GET' ? routes[req.path] : undefined;
      if (!route) return anthropicError(404, `Not found: ${req.method} ${req.path}`);
      return authenticate(req) ?? route();
    },
    errorBody: (status, message, code) => anthropicError(status, message ?? `scripted ${status}`, code).body,
    defaultHeaders: () => ({ 'request-id': `req_${randomUUID().replace(/-/g, '')}` }),
  });

  return Object.assign(server, {
    setUsage(next: AnthropicUsageRow[]) {
      rows = next.map((r) => structuredClone(r));
    },
  });
}
