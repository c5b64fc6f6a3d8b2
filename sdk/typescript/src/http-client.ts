import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { z } from 'zod';
import type { ResolvedConfig } from './config';
import { APIConnectionError, APIError, errorFromResponse, ResponseValidationError } from './errors';
import { backoffDelay, isRetryableStatus, parseRetryAfter, sleep } from './retry';
import { VERSION } from './version';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Per-call options every resource method accepts as its last argument. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Replaces the generated Idempotency-Key of a POST (e.g. to make a retry after a crash safe). */
  idempotencyKey?: string;
  maxRetries?: number;
  timeout?: number;
  headers?: Record<string, string>;
}

export interface ApiRequest {
  method: HttpMethod;
  path: string;
  query?: object;
  body?: unknown;
  accept?: string;
  options?: RequestOptions;
}

type BodyMode = 'json' | 'none' | 'stream';
interface Answer { response: Response; json?: unknown; stream?: Readable }

class AttemptTimeout extends Error {}

/**
 * Requests with retries. A POST gets one Idempotency-Key (a UUID) that every retry of it repeats, so the API replays
 * the first answer instead of running the write twice (contracts/idempotency.ts). Retried: network errors and
 * timeouts, 429, 5xx and 409 IDEMPOTENCY_KEY_IN_USE, after the server's Retry-After or a jittered exponential backoff.
 */
export class HttpClient {
  constructor(readonly config: ResolvedConfig) {}

  /** A JSON answer, checked against its contract schema unless `validateResponses` is off. */
  async json<S extends z.ZodType>(request: ApiRequest, schema: S): Promise<z.infer<S>> {
    const { json, response } = await this.send(request, 'json');
    if (!this.config.validateResponses) return json as z.infer<S>;
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new ResponseValidationError({
      message: `${request.method} ${request.path}: the answer does not match the API contract at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      status: response.status, code: 'INVALID_RESPONSE', headers: response.headers, requestId: response.headers.get('x-request-id') ?? undefined,
    });
  }

  /** A request whose answer has no body worth reading (204). */
  async empty(request: ApiRequest): Promise<void> {
    await this.send(request, 'none');
  }

  /** The body as a Node stream (also an async iterable of Buffer chunks); errors are raised before it starts. */
  async stream(request: ApiRequest): Promise<{ response: Response; body: Readable }> {
    const { response, stream } = await this.send(request, 'stream');
    return { response, body: stream! };
  }

  url(path: string, query?: object): string {
    const url = new URL(`${this.config.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  private headersOf(request: ApiRequest, idempotencyKey: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      accept: request.accept ?? 'application/json',
      'user-agent': `carbonplan-ai/${VERSION} node/${typeof process === 'undefined' ? 'unknown' : process.version}`,
      ...this.config.defaultHeaders,
    };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return { ...headers, ...request.options?.headers };
  }

  private async send(request: ApiRequest, mode: BodyMode): Promise<Answer> {
    const options = request.options ?? {};
    const url = this.url(request.path, request.query);
    const idempotencyKey = request.method === 'POST' ? options.idempotencyKey ?? randomUUID() : undefined;
    const init = {
      method: request.method,
      headers: this.headersOf(request, idempotencyKey),
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      redirect: 'follow' as const,
    };
    const maxRetries = options.maxRetries ?? this.config.maxRetries;
    for (let retry = 0; ; retry++) {
      const canRetry = retry < maxRetries;
      const backoff = () => backoffDelay(retry + 1, this.config.initialRetryDelay, this.config.maxRetryDelay);
      let answer: Answer | { error: APIError; retryAfterMs: number | undefined };
      try {
        answer = await this.attempt(url, init, mode, options);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason ?? err;
        const isTimeout = err instanceof AttemptTimeout;
        const failure = new APIConnectionError({
          message: isTimeout ? `${request.method} ${request.path} timed out` : `${request.method} ${request.path} failed: ${describeNetworkError(err)}`,
          code: isTimeout ? 'TIMEOUT' : 'CONNECTION_FAILED', cause: err,
        });
        if (!canRetry) throw failure;
        await sleep(backoff(), options.signal);
        continue;
      }
      if (!('error' in answer)) return answer;
      const { error, retryAfterMs } = answer;
      const isWithinPatience = retryAfterMs === undefined || retryAfterMs <= this.config.maxRetryAfter;
      if (!canRetry || !isRetryableStatus(error.status ?? 0, error.code) || !isWithinPatience) throw error;
      await sleep(retryAfterMs ?? backoff(), options.signal);
    }
  }

  /** One HTTP exchange: an answer, an API error to maybe retry, or a thrown network error / AttemptTimeout. */
  private async attempt(url: string, init: RequestInit, mode: BodyMode, options: RequestOptions): Promise<Answer | { error: APIError; retryAfterMs: number | undefined }> {
    const timeoutMs = options.timeout ?? this.config.timeout;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
    let isStreaming = false;
    try {
      const response = await this.config.fetch(url, { ...init, signal });
      if (!response.ok) {
        const text = await response.text();
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        const error = errorFromResponse(response.status, response.headers, parseJson(text), text, retryAfterMs === undefined ? undefined : retryAfterMs / 1000);
        return { error, retryAfterMs };
      }
      if (mode === 'stream') {
        // The timeout covers waiting for the answer, not reading a long download.
        clearTimeout(timer);
        isStreaming = true;
        const body = response.body ? Readable.fromWeb(response.body as never) : Readable.from([]);
        return { response, stream: body };
      }
      const text = await response.text();
      return { response, json: mode === 'json' ? parseJson(text) : undefined };
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason instanceof AttemptTimeout) throw controller.signal.reason;
      throw err;
    } finally {
      if (!isStreaming) clearTimeout(timer);
    }
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** fetch hides the socket error in `cause` (ECONNREFUSED, ECONNRESET, …). */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
