import type { Provider } from '../../contracts/usage';
import { parseRetryAfterMs, ProviderError, redact, type ProviderErrorCode, type ProviderErrorKind } from './errors';

export interface HttpFailure {
  provider: Provider;
  status: number;
  headers: Headers;
  /** Raw response body text; parsed here because error bodies are not guaranteed to be JSON. */
  bodyText: string;
  secret?: string;
  nowMs?: number;
}

interface ErrorBodyFields {
  message?: string;
  code?: string;
  type?: string;
}

/**
 * The three providers share one envelope, `{ error: { message, code?, type? } }` (OpenAI: code/type strings;
 * Anthropic: type; OpenRouter: numeric code equal to the status), so one reader serves all of them.
 */
function readErrorBody(bodyText: string): ErrorBodyFields {
  try {
    const body = JSON.parse(bodyText) as { error?: { message?: unknown; code?: unknown; type?: unknown }; message?: unknown };
    const err = body?.error;
    const message = typeof err?.message === 'string' ? err.message : typeof body?.message === 'string' ? body.message : undefined;
    return {
      message,
      code: typeof err?.code === 'string' ? err.code : undefined,
      type: typeof err?.type === 'string' ? err.type : undefined,
    };
  } catch {
    return { message: bodyText.trim() || undefined };
  }
}

function classify(provider: Provider, status: number, body: ErrorBodyFields): [ProviderErrorKind, ProviderErrorCode] {
  if (status === 429) {
    // Only the body tells quota from rate limit (OpenAI sends `insufficient_quota` as type, and as code or a more
    // specific billing code); a missing Retry-After proves nothing, so every other 429 is a rate limit.
    const isQuota = body.code === 'insufficient_quota' || body.type === 'insufficient_quota';
    return isQuota ? ['needs_user_action', 'insufficient_quota'] : ['transient', 'rate_limited'];
  }
  if (status >= 500) return ['transient', 'server_error']; // incl. Anthropic 529 and OpenRouter/Cloudflare 524
  if (status === 408) return ['transient', 'request_timeout'];
  if (status === 409) return ['transient', 'conflict'];
  if (status === 401) return ['needs_user_action', 'invalid_key'];
  if (status === 403) {
    const isWrongKeyType = provider === 'openrouter' && /management key/i.test(body.message ?? '');
    return ['needs_user_action', isWrongKeyType ? 'wrong_key_type' : 'forbidden'];
  }
  if (status === 402) return ['needs_user_action', 'payment_required'];
  if (status >= 300 && status < 400) return ['permanent', 'unexpected_redirect'];
  if (status === 400) return ['permanent', 'bad_request'];
  if (status === 404) return ['permanent', 'not_found'];
  return ['permanent', 'client_error'];
}

/** Turns a non-2xx response into a ProviderError carrying the provider's (redacted) message. */
export function classifyHttpError(failure: HttpFailure): ProviderError {
  const { provider, status, headers, bodyText, secret } = failure;
  const body = readErrorBody(bodyText);
  const retryAfterMs = parseRetryAfterMs(headers, failure.nowMs);
  const [kind, code] = classify(provider, status, body);
  return new ProviderError({
    provider,
    kind,
    code,
    status,
    retryAfterMs,
    requestId: headers.get('request-id') ?? headers.get('x-request-id') ?? undefined,
    providerMessage: redact(body.message ?? `HTTP ${status} with no error message`, secret),
  });
}
