import type { z } from 'zod';
import type { Provider } from '../../contracts/usage';
import { normalizeBaseUrl } from './base-url';
import { classifyHttpError } from './classify-http-error';
import { cancellationError, malformedBodyError, networkError, schemaError, timeoutError } from './errors';

export type FetchFn = typeof fetch;

/** Array values are appended once per item under the same key; pass bracketed keys (`group_by[]`) yourself. */
export type Query = Record<string, string | number | readonly string[] | undefined>;

export interface HttpClientOptions {
  provider: Provider;
  /**
   * Server-side configuration only (never user input); may carry a path (https://openrouter.ai/api) and may end
   * in the API version as SDK settings do (https://openrouter.ai/api/v1): see normalizeBaseUrl.
   */
  baseUrl: string;
  timeoutMs: number;
  fetch?: FetchFn;
  now?: () => Date;
}

export interface GetJsonRequest<S extends z.ZodType> {
  path: string;
  query?: Query;
  headers: Record<string, string>;
  /** The credential in `headers`; scrubbed from every error message built from provider text. */
  secret: string;
  schema: S;
  /** The caller's cancellation: aborts the exchange and throws cancellationError, never a ProviderError. */
  signal?: AbortSignal;
}

export interface HttpClient {
  getJson<S extends z.ZodType>(request: GetJsonRequest<S>): Promise<z.infer<S>>;
}

const USER_AGENT = 'carbonplan-usage-poller/0.1';

export function buildUrl(baseUrl: string, path: string, query: Query = {}): string {
  const url = new URL(baseUrl.replace(/\/+$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(key, item);
    else url.searchParams.append(key, String(value));
  }
  return url.toString();
}

function summarizeIssues(error: z.ZodError): string {
  // Paths and messages only: values could be large and are of no use in an alert.
  return error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const { provider, timeoutMs } = options;
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());

  return {
    async getJson({ path, query, headers, secret, schema, signal: cancel }) {
      if (cancel?.aborted) throw cancellationError(cancel); // a cancelled poll sends no further request
      // One signal bounds the whole exchange, headers and body: a server that stalls mid-body times out too.
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
      let status: number;
      let responseHeaders: Headers;
      let bodyText: string;
      try {
        const response = await fetchImpl(buildUrl(baseUrl, path, query), {
          method: 'GET',
          headers: { accept: 'application/json', 'user-agent': USER_AGENT, ...headers },
          signal,
          // Never follow a redirect: it could carry the key to another host.
          redirect: 'manual',
        });
        status = response.status;
        responseHeaders = response.headers;
        bodyText = await response.text();
      } catch (error) {
        if (cancel?.aborted) throw cancellationError(cancel);
        throw timeout.aborted ? timeoutError(provider, timeoutMs) : networkError(provider, error, secret);
      }

      if (status < 200 || status >= 300) {
        throw classifyHttpError({ provider, status, headers: responseHeaders, bodyText, secret, nowMs: now().getTime() });
      }
      const requestId = responseHeaders.get('request-id') ?? responseHeaders.get('x-request-id') ?? undefined;
      let json: unknown;
      try {
        json = JSON.parse(bodyText);
      } catch {
        throw malformedBodyError(provider, path, status, requestId);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw schemaError(provider, `unexpected response shape from ${path}: ${summarizeIssues(parsed.error)}`, status, requestId);
      }
      return parsed.data;
    },
  };
}
