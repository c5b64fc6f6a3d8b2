import type { Provider } from '../../contracts/usage';

/**
 * Two questions the poller asks of every failure, answered separately:
 *
 * - `kind`: what to do next. `transient` → retry with backoff (honour `retryAfterMs`); `needs_user_action` → stop
 *   polling this connection and tell the customer (bad/revoked key, no permission, wrong key type, quota or
 *   billing); `permanent` → do not retry, alert us (our request or parser is wrong: 400, 404, schema mismatch).
 * - `isCredentialRejected`: is the key itself refused (401, 403, wrong kind of key)? The issue calls these
 *   "permanent" because the key will never work again; the poller fails the connection at once on them (all five
 *   strikes), while a quota/billing stop (402, 429 insufficient_quota) leaves the key in place.
 *
 * So `isCredentialRejected` implies `kind === 'needs_user_action'`; non-retryable = `kind !== 'transient'`.
 */
export type ProviderErrorKind = 'transient' | 'permanent' | 'needs_user_action';

export type ProviderErrorCode =
  | 'network' | 'timeout' | 'request_timeout' | 'conflict' | 'rate_limited' | 'server_error'
  | 'invalid_key' | 'forbidden' | 'wrong_key_type' | 'insufficient_quota' | 'payment_required'
  | 'bad_request' | 'not_found' | 'client_error' | 'unexpected_redirect' | 'schema_mismatch' | 'malformed_body';

const CREDENTIAL_CODES: ReadonlySet<ProviderErrorCode> = new Set(['invalid_key', 'forbidden', 'wrong_key_type']);

export interface ProviderErrorInit {
  provider: Provider;
  kind: ProviderErrorKind;
  code: ProviderErrorCode;
  providerMessage: string;
  status?: number;
  retryAfterMs?: number;
  /** The provider's request id (`request-id` / `x-request-id`): log this, never headers. */
  requestId?: string;
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: Provider;
  readonly kind: ProviderErrorKind;
  readonly code: ProviderErrorCode;
  readonly status?: number;
  readonly providerMessage: string;
  readonly retryAfterMs?: number;
  readonly requestId?: string;

  constructor(init: ProviderErrorInit) {
    const where = init.status === undefined ? init.code : `HTTP ${init.status} ${init.code}`;
    super(`${init.provider} usage API failed (${where}): ${init.providerMessage}`);
    this.provider = init.provider;
    this.kind = init.kind;
    this.code = init.code;
    this.status = init.status;
    this.providerMessage = init.providerMessage;
    this.retryAfterMs = init.retryAfterMs;
    this.requestId = init.requestId;
  }

  get isCredentialRejected(): boolean {
    return CREDENTIAL_CODES.has(this.code);
  }

  get isRetryable(): boolean {
    return this.kind === 'transient';
  }

  toJSON(): Record<string, unknown> {
    const { provider, kind, code, status, providerMessage, retryAfterMs, requestId } = this;
    return { name: this.name, message: this.message, provider, kind, code, status, providerMessage, retryAfterMs, requestId, isCredentialRejected: this.isCredentialRejected };
  }
}

// Anything shaped like a provider key (sk-admin-…, sk-ant-admin01-…, sk-or-v1-…) that is not already masked.
const KEY_LIKE = /\bsk-[A-Za-z0-9_-]{12,}/g;

/**
 * Removes the key (and anything key-shaped) from text that came from a provider or the network stack before it
 * becomes part of an error: some APIs echo the presented credential in their 401 messages.
 */
export function redact(text: string, secret?: string): string {
  let out = secret && secret.length >= 4 ? text.split(secret).join('[REDACTED]') : text;
  out = out.replace(KEY_LIKE, '[REDACTED]');
  return out.length > 500 ? `${out.slice(0, 500)}…` : out;
}

/** `retry-after-ms` first, then `Retry-After` as seconds or an HTTP date (the official SDKs' order). */
export function parseRetryAfterMs(headers: Headers, nowMs: number = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function networkError(provider: Provider, cause: unknown, secret?: string): ProviderError {
  const detail = cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? `: ${cause.cause.message}` : ''}` : String(cause);
  return new ProviderError({ provider, kind: 'transient', code: 'network', providerMessage: redact(detail, secret) });
}

export function timeoutError(provider: Provider, timeoutMs: number): ProviderError {
  return new ProviderError({ provider, kind: 'transient', code: 'timeout', providerMessage: `no complete response within ${timeoutMs} ms` });
}

/** A 2xx whose body is not JSON: almost always cut in transfer, so asking again is the remedy. */
export function malformedBodyError(provider: Provider, path: string, status: number, requestId?: string): ProviderError {
  return new ProviderError({ provider, kind: 'transient', code: 'malformed_body', status, requestId, providerMessage: `response to ${path} is not valid JSON` });
}

/**
 * A 2xx of a shape we cannot read. Permanent for the request (asking again gets the same), but the fix is ours
 * (the provider changed its format, or our schema is wrong): polling never counts it against the customer.
 */
export function schemaError(provider: Provider, detail: string, status?: number, requestId?: string): ProviderError {
  return new ProviderError({ provider, kind: 'permanent', code: 'schema_mismatch', status, requestId, providerMessage: detail });
}

/** The caller gave up (e.g. Temporal cancelled the activity): not a provider failure, so never a ProviderError. */
export class CancelledError extends Error {
  override readonly name = 'AbortError';
}

/**
 * What a cancelled poll throws: the signal's own reason when it is an Error (an AbortError DOMException from
 * `controller.abort()`, Temporal's CancelledFailure), so the caller sees the cancellation it caused.
 */
export function cancellationError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledError('usage poll cancelled', { cause: signal.reason });
}
