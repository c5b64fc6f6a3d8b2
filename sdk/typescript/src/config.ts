export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';

export interface ClientOptions {
  /** An organization API key (`cp_live_…` / `cp_test_…`). Default: the CARBONPLAN_API_KEY environment variable. */
  apiKey?: string;
  /** Default: CARBONPLAN_BASE_URL, else http://127.0.0.1:3000. */
  baseUrl?: string;
  /** Retries after the first attempt on 429, 5xx, 409 IDEMPOTENCY_KEY_IN_USE and network errors. Default 2. */
  maxRetries?: number;
  /** Per attempt, until the response headers (and a JSON body) arrive, in ms. Default 60,000. */
  timeout?: number;
  /** First backoff delay in ms (doubled per retry, jittered). Default 500. */
  initialRetryDelay?: number;
  /** Largest backoff delay in ms. Default 8,000. */
  maxRetryDelay?: number;
  /** A Retry-After longer than this (ms) is not waited for: the error is raised instead. Default 60,000. */
  maxRetryAfter?: number;
  /** Check every JSON answer against the API contract. Default true. */
  validateResponses?: boolean;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch;
  /** Sent with every request. */
  defaultHeaders?: Record<string, string>;
}

export interface ResolvedConfig {
  apiKey: string | undefined;
  baseUrl: string;
  maxRetries: number;
  timeout: number;
  initialRetryDelay: number;
  maxRetryDelay: number;
  maxRetryAfter: number;
  validateResponses: boolean;
  fetch: typeof fetch;
  defaultHeaders: Record<string, string>;
}

const env = (name: string): string | undefined => {
  const value = typeof process === 'undefined' ? undefined : process.env[name];
  return value === undefined || value === '' ? undefined : value;
};

const nonNegative = (name: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`CarbonPlan: ${name} must be a non-negative number`);
  return value;
};

/** Options first, then the two environment variables both SDKs and the MCP server read, then defaults. */
export function resolveConfig(options: ClientOptions = {}): ResolvedConfig {
  const baseUrl = (options.baseUrl ?? env('CARBONPLAN_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new TypeError(`CarbonPlan: baseUrl ${JSON.stringify(baseUrl)} is not a URL`);
  }
  return {
    apiKey: options.apiKey ?? env('CARBONPLAN_API_KEY'),
    baseUrl,
    maxRetries: Math.floor(nonNegative('maxRetries', options.maxRetries, 2)),
    timeout: nonNegative('timeout', options.timeout, 60_000),
    initialRetryDelay: nonNegative('initialRetryDelay', options.initialRetryDelay, 500),
    maxRetryDelay: nonNegative('maxRetryDelay', options.maxRetryDelay, 8_000),
    maxRetryAfter: nonNegative('maxRetryAfter', options.maxRetryAfter, 60_000),
    validateResponses: options.validateResponses ?? true,
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
    defaultHeaders: options.defaultHeaders ?? {},
  };
}
