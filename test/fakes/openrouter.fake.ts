import { startFakeServer, type FakeResponse, type FakeServer, type RecordedRequest } from './fake-server';
import { unknownParam } from './usage-pages';

/** One `/activity` row (per date, model and endpoint); omitted fields get plausible defaults. */
export interface OpenRouterActivityRow {
  date: string;
  model: string;
  endpoint_id?: string;
  provider_name?: string;
  model_permaslug?: string;
  usage?: number;
  byok_usage_inference?: number;
  requests?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  reasoning_tokens?: number;
  workspace_id?: string;
  [extra: string]: unknown;
}

export interface OpenRouterFakeOptions {
  managementKeys?: string[];
  /** Keys that exist but cannot use management endpoints (`is_management_key: false`). */
  inferenceKeys?: string[];
  /** Older management keys whose /key answer carries only the deprecated `is_provisioning_key`. */
  provisioningKeys?: string[];
  /** Last day /activity serves (YYYY-MM-DD); later days answer the date 400. Default: yesterday. */
  servedThrough?: string;
  now?: () => Date;
}

export interface OpenRouterFake extends FakeServer {
  setActivity(rows: OpenRouterActivityRow[]): void;
  /**
   * When a finished day becomes available is undocumented: shortly after midnight yesterday may still answer
   * the date 400. `undefined` serves every completed day; today always answers the 400.
   */
  setServedThrough(date: string | undefined): void;
}

const DAY_MS = 86_400_000;
const DATE_ERROR = 'Date must be within the last 30 (completed) UTC days';

/** OpenRouter's envelope: `{ error: { code, message } }` with `code` equal to the HTTP status. */
export function openRouterError(status: number, message: string): FakeResponse {
  return { status, body: { error: { code: status, message } } };
}

export async function startOpenRouterFake(options: OpenRouterFakeOptions = {}): Promise<OpenRouterFake> {
  const provisioningKeys = new Set(options.provisioningKeys ?? []);
  const managementKeys = new Set([...(options.managementKeys ?? ['sk-or-v1-mgmt-good']), ...provisioningKeys]);
  const inferenceKeys = new Set(options.inferenceKeys ?? ['sk-or-v1-inference']);
  const now = options.now ?? (() => new Date());
  let rows: OpenRouterActivityRow[] = [];
  let servedThrough = options.servedThrough;

  const keyOf = (req: RecordedRequest): string | undefined => /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];

  function isServedDay(date: string): boolean {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
    const day = Date.parse(`${date}T00:00:00Z`);
    const today = Math.floor(now().getTime() / DAY_MS) * DAY_MS;
    const isPublished = servedThrough === undefined || date <= servedThrough;
    return !Number.isNaN(day) && day < today && day >= today - 30 * DAY_MS && isPublished;
  }

  function activity(req: RecordedRequest): FakeResponse {
    const q = req.query;
    const unknown = unknownParam(q, ['date', 'api_key_hash', 'user_id', 'workspace_id', 'group_by']);
    if (unknown) return openRouterError(400, `Unrecognized query parameter: ${unknown}`);
    const date = q.get('date');
    if (date !== null && !isServedDay(date)) return openRouterError(400, DATE_ERROR);
    const byWorkspace = q.get('group_by') === 'workspace';
    const data = rows
      .filter((r) => (date === null ? isServedDay(r.date) : r.date === date))
      .map(({ workspace_id, ...r }) => ({
        model_permaslug: r.model, endpoint_id: '00000000-0000-4000-8000-000000000000', provider_name: 'Fake',
        usage: 0, byok_usage_inference: 0, requests: 0, prompt_tokens: 0, completion_tokens: 0, reasoning_tokens: 0,
        ...r,
        ...(byWorkspace ? { workspace_id: workspace_id ?? null } : {}),
      }));
    return { status: 200, body: { data } };
  }

  function keyInfo(key: string): FakeResponse {
    const isManagement = managementKeys.has(key);
    const kind = provisioningKeys.has(key) ? { is_provisioning_key: true } : { is_management_key: isManagement, is_provisioning_key: isManagement };
    return {
      status: 200,
      body: {
        data: {
          label: `${key.slice(0, 11)}...${key.slice(-3)}`, limit: null, limit_remaining: null, limit_reset: null,
          include_byok_in_limit: false, usage: 0, usage_daily: 0, usage_weekly: 0, usage_monthly: 0,
          byok_usage: 0, byok_usage_daily: 0, byok_usage_weekly: 0, byok_usage_monthly: 0,
          is_free_tier: false, ...kind,
          creator_user_id: 'user_fake_creator', expires_at: null, rate_limit: { requests: -1, interval: '10s' },
        },
      },
    };
  }

  const server = await startFakeServer({
    basePath: '/api',
    handle(req) {
      const isActivity = req.path === '/v1/activity';
      if (req.method !== 'GET' || (!isActivity && req.path !== '/v1/key')) return openRouterError(404, 'Not Found');
      const key = keyOf(req);
      if (!key) return openRouterError(401, 'No auth credentials found');
      if (!managementKeys.has(key) && !inferenceKeys.has(key)) return openRouterError(401, 'User not found.');
      if (!isActivity) return keyInfo(key);
      if (!managementKeys.has(key)) return openRouterError(403, 'Only management keys can perform this operation');
      return activity(req);
    },
    errorBody: (status, message) => openRouterError(status, message ?? `scripted ${status}`).body,
  });

  return Object.assign(server, {
    setActivity(next: OpenRouterActivityRow[]) {
      rows = next.map((r) => ({ ...r }));
    },
    setServedThrough(date: string | undefined) {
      servedThrough = date;
    },
  });
}
