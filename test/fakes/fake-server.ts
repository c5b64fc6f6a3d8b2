import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Everything a test may want to assert about a call, headers included (fakes are test-only). */
export interface RecordedRequest {
  method: string;
  /** Path below the fake's base URL, e.g. `/v1/activity` for OpenRouter whose base URL ends in `/api`. */
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: http.IncomingHttpHeaders;
}

export interface FakeResponse {
  status: number;
  /** Serialized as JSON unless it is a string, which is sent as is. */
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A scripted response for the next matching call(s), checked before auth and routing:
 * - `{ status, retryAfter?, retryAfterMs?, code?, message?, body? }`: that status; the body defaults to the
 *   provider's documented error envelope (`code`/`message` feed it); `retryAfter` is seconds or an HTTP date.
 * - `{ malformedJson: true }`: 200 with a truncated JSON body.
 * - `{ delayMs }`: wait, then answer normally (a slow provider; combine with a short client timeout).
 * - `{ dropConnection: true }`: destroy the socket without answering (a network error).
 */
export interface ScriptedStatus {
  status: number;
  retryAfter?: number | string;
  retryAfterMs?: number;
  code?: string;
  message?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type ScriptedResponse =
  | ScriptedStatus
  | { malformedJson: true }
  | { delayMs: number }
  | { dropConnection: true };

export interface FakeProviderSpec {
  /** `''`, or `/api` for a provider whose real base URL carries a path. */
  basePath?: string;
  handle(request: RecordedRequest): FakeResponse;
  /**
   * The provider's error envelope, used for scripted statuses without an explicit body; without a scripted
   * message the fake picks the provider's own wording where it is known (OpenAI's 429s).
   */
  errorBody(status: number, message: string | undefined, code?: string): unknown;
  defaultHeaders?(): Record<string, string>;
}

export interface FakeServer {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Script the next `count` calls (optionally only calls whose path starts with `pathPrefix`, or that `match`). */
  failNext(count: number, response: ScriptedResponse, options?: { pathPrefix?: string; match?: (req: RecordedRequest) => boolean }): void;
  /** Shorthand for a scripted 200 with a verbatim body (e.g. a documented example response). */
  replyNext(body: unknown, options?: { status?: number; headers?: Record<string, string>; pathPrefix?: string }): void;
  /** Forget recorded requests and pending scripts; data and keys stay. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeServer(spec: FakeProviderSpec): Promise<FakeServer> {
  const basePath = spec.basePath ?? '';
  const requests: RecordedRequest[] = [];
  let script: Array<{ response: ScriptedResponse; pathPrefix?: string; match?: (req: RecordedRequest) => boolean }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: http.ServerResponse, out: FakeResponse): void => {
    if (res.destroyed) return;
    const text = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
    res.writeHead(out.status, { 'content-type': 'application/json', ...spec.defaultHeaders?.(), ...out.headers });
    res.end(text);
  };

  const scripted = (r: ScriptedStatus): FakeResponse => {
    const headers: Record<string, string> = { ...r.headers };
    if (r.retryAfter !== undefined) headers['retry-after'] = String(r.retryAfter);
    if (r.retryAfterMs !== undefined) headers['retry-after-ms'] = String(r.retryAfterMs);
    const body = r.body ?? spec.errorBody(r.status, r.message, r.code);
    return { status: r.status, body, headers };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : url.pathname;
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, query: url.searchParams, rawQuery: url.search.replace(/^\?/, ''), headers: req.headers };
    requests.push(recorded);
    const answer = () => send(res, url.pathname.startsWith(basePath) ? spec.handle(recorded) : { status: 404, body: spec.errorBody(404, 'not found') });

    const index = script.findIndex((s) => (!s.pathPrefix || path.startsWith(s.pathPrefix)) && (!s.match || s.match(recorded)));
    if (index < 0) return answer();
    const [{ response }] = script.splice(index, 1);
    if ('dropConnection' in response) return void req.socket.destroy();
    if ('malformedJson' in response) return send(res, { status: 200, body: '{"data": [{"object": "bucket", ' });
    if ('delayMs' in response) {
      const timer = setTimeout(() => { timers.delete(timer); answer(); }, response.delayMs);
      timers.add(timer);
      return;
    }
    send(res, scripted(response));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    requests,
    failNext(count, response, options) {
      for (let i = 0; i < count; i++) script.push({ response, pathPrefix: options?.pathPrefix, match: options?.match });
    },
    replyNext(body, options) {
      script.push({ response: { status: options?.status ?? 200, body, headers: options?.headers }, pathPrefix: options?.pathPrefix });
    },
    reset() {
      requests.length = 0;
      script = [];
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
