import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from './fake-server';
import { aggregateRows, BUCKET_WIDTHS, bucketBounds, OPENAI_BUCKETS, pageOf, unknownParam } from './usage-pages';

/**
 * One `UsageCompletionsResult` at an instant: `startTime` (unix seconds, anywhere inside the bucket) plus any
 * result fields (`input_tokens`, `input_cached_tokens`, `model`, `project_id`, …; `object` defaults to the
 * completions result type, set it to test that other result types are ignored).
 */
export type OpenAIUsageRow = { startTime: number } & Record<string, unknown>;

export interface OpenAIFakeOptions {
  adminKeys?: string[];
  /** Caps buckets per page below the client's `limit`, so small data sets still span several pages. */
  pageSize?: number;
  now?: () => Date;
  /** What `GET /v1/organization` answers for every admin key; `null`: 403, as for a key without organization.read. */
  organization?: { id: string; name: string; title: string } | null;
  /** Admin keys of other organizations than `organization` (what `GET /v1/organization` answers for them). */
  keyOrganizations?: Record<string, { id: string; name: string; title: string }>;
  /** Echo the presented key unmasked in 401 messages (real OpenAI masks it) to prove clients redact it. */
  echoKeyInErrors?: boolean;
}

export interface OpenAIFake extends FakeServer {
  setUsage(rows: OpenAIUsageRow[]): void;
}

const PATH = '/v1/organization/usage/completions';
const ORGANIZATION_PATH = '/v1/organization';
const DIMENSIONS = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;
const PARAMS = ['start_time', 'end_time', 'bucket_width', 'limit', 'page', 'group_by[]', 'project_ids[]', 'user_ids[]', 'api_key_ids[]', 'models[]', 'batch'];

/** OpenAI's `ErrorResponse`: `{ error: { message, type, param, code } }`. */
export function openAIError(status: number, message: string, code: string | null = null, param: string | null = null): FakeResponse {
  if (status === 429) return code === 'insufficient_quota' ? openAIQuotaError(message) : openAIRateLimitError(message);
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  return { status, body: { error: { message, type, param, code } } };
}

// OpenAI's two 429s differ only in their bodies (error-codes guide): a rate limit (`type` "requests" or
// "tokens", code rate_limit_exceeded) versus quota or billing (`type` and code insufficient_quota).
export const OPENAI_RATE_LIMIT_MESSAGE =
  'Rate limit reached for requests in organization org-fake on requests per min (RPM): Limit 60, Used 60, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.';
export const OPENAI_QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.';

export function openAIRateLimitError(message = OPENAI_RATE_LIMIT_MESSAGE): FakeResponse {
  return { status: 429, body: { error: { message, type: 'requests', param: null, code: 'rate_limit_exceeded' } } };
}

export function openAIQuotaError(message = OPENAI_QUOTA_MESSAGE): FakeResponse {
  return { status: 429, body: { error: { message, type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } };
}

const mask = (key: string): string => `${key.slice(0, 6)}${'*'.repeat(Math.max(0, key.length - 10))}${key.slice(-4)}`;
const isUnixSeconds = (v: string | null): v is string => v !== null && /^\d{1,11}$/.test(v);

export async function startOpenAIFake(options: OpenAIFakeOptions = {}): Promise<OpenAIFake> {
  const adminKeys = new Set([...(options.adminKeys ?? ['sk-admin-good']), ...Object.keys(options.keyOrganizations ?? {})]);
  const organization = options.organization === undefined ? { id: 'org-FakeOpenAIOrg0001', name: 'fake-org', title: 'Fake OpenAI Org' } : options.organization;
  const now = options.now ?? (() => new Date());
  let rows: OpenAIUsageRow[] = [];

  function authenticate(req: RecordedRequest): FakeResponse | undefined {
    const match = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    if (!match) return openAIError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    if (adminKeys.has(match[1])) return undefined;
    const shown = options.echoKeyInErrors ? match[1] : mask(match[1]);
    return openAIError(401, `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_api_key');
  }

  function usage(req: RecordedRequest): FakeResponse {
    const q = req.query;
    const unknown = unknownParam(q, PARAMS);
    if (unknown) return openAIError(400, `Unknown parameter: '${unknown}'.`, 'unknown_parameter', unknown);
    const startRaw = q.get('start_time');
    if (!isUnixSeconds(startRaw)) return openAIError(400, 'start_time must be an integer (unix seconds).', null, 'start_time');
    const endRaw = q.get('end_time');
    if (endRaw !== null && !isUnixSeconds(endRaw)) return openAIError(400, 'end_time must be an integer (unix seconds).', null, 'end_time');
    const startMs = Number(startRaw) * 1000;
    const endMs = endRaw === null ? now().getTime() : Number(endRaw) * 1000;
    if (endMs > now().getTime() + 60_000) return openAIError(400, 'end_time must not be in the future.', null, 'end_time');
    if (endMs <= startMs) return openAIError(400, 'end_time must be after start_time.', null, 'end_time');
    const width = BUCKET_WIDTHS[q.get('bucket_width') ?? '1d'];
    if (!width) return openAIError(400, "bucket_width must be one of '1m', '1h', '1d'.", null, 'bucket_width');
    const limit = q.has('limit') ? Number(q.get('limit')) : width.defaultLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > width.maxLimit) return openAIError(400, `limit must be between 1 and ${width.maxLimit}.`, null, 'limit');
    const groupBy = q.getAll('group_by[]');
    const badGroup = groupBy.find((g) => !(DIMENSIONS as readonly string[]).includes(g));
    if (badGroup) return openAIError(400, `Invalid group_by value: '${badGroup}'.`, null, 'group_by');

    const bounds = bucketBounds(startMs, endMs, width.ms, OPENAI_BUCKETS);
    const page = pageOf(bounds, q.get('page'), Math.min(limit, options.pageSize ?? limit));
    if (!page) return openAIError(400, 'Invalid page cursor.', null, 'page');
    const data = page.items.map(([from, to]) => {
      const inside = rows
        .filter((r) => r.startTime * 1000 >= from && r.startTime * 1000 < to)
        .map(({ startTime: _, ...result }) => ({ object: 'organization.usage.completions.result', ...result }));
      return { object: 'bucket', start_time: from / 1000, end_time: to / 1000, results: aggregateRows(inside, ['object', ...DIMENSIONS], ['object', ...groupBy]) };
    });
    return { status: 200, body: { object: 'page', data, has_more: page.hasMore, next_page: page.nextPage } };
  }

  /** `OrganizationProfile`, as the Admin API reference documents it. */
  function organizationProfile(req: RecordedRequest): FakeResponse {
    const other = options.keyOrganizations?.[String(req.headers.authorization).slice('Bearer '.length)];
    if (other) return { status: 200, body: { object: 'organization', ...other, description: null, personal: false, created_at: 1700000000 } };
    if (organization === null) return openAIError(403, 'You have insufficient permissions for this operation. Missing scopes: api.organization.read.', 'insufficient_permissions');
    return { status: 200, body: { object: 'organization', id: organization.id, name: organization.name, title: organization.title, description: null, personal: false, created_at: 1700000000 } };
  }

  const server = await startFakeServer({
    handle(req) {
      if (req.method === 'GET' && req.path === ORGANIZATION_PATH) return authenticate(req) ?? organizationProfile(req);
      if (req.method !== 'GET' || req.path !== PATH) return openAIError(404, `Invalid URL (${req.method} ${req.path})`);
      return authenticate(req) ?? usage(req);
    },
    errorBody: (status, message, code) => {
      if (status === 429) return (code === 'insufficient_quota' ? openAIQuotaError(message) : openAIRateLimitError(message)).body;
      return openAIError(status, message ?? `scripted ${status}`, code ?? null).body;
    },
    defaultHeaders: () => ({ 'x-request-id': `req_${Math.random().toString(16).slice(2, 14)}` }),
  });

  return Object.assign(server, {
    setUsage(next: OpenAIUsageRow[]) {
      rows = next.map((r) => ({ ...r }));
    },
  });
}
