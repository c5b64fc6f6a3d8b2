import type { ErrorCode } from '../../../contracts/errors';

export interface APIErrorInit {
  message: string;
  /** HTTP status; undefined when no answer arrived (network error, timeout). */
  status?: number;
  /** The error body's `code` (one of the API's ErrorCode values), or an SDK code such as `CONNECTION_FAILED`. */
  code?: ErrorCode | string;
  requestId?: string;
  field?: string;
  details?: Record<string, unknown>;
  headers?: Headers;
  cause?: unknown;
}

/** Every failure the SDK raises. Branch on the subclass (or `code`), never on the message. */
export class APIError extends Error {
  readonly status: number | undefined;
  readonly code: ErrorCode | string | undefined;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Headers | undefined;

  constructor(init: APIErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.details = init.details;
    this.headers = init.headers;
  }
}

/** 401: missing, invalid, expired or revoked API key. */
export class AuthenticationError extends APIError {}

/** 403: the key's organization may not do this (role, or no active organization). */
export class PermissionError extends APIError {}

/** 403 PLAN_REQUIRED: the endpoint needs a paid plan; `upgradeUrl` is where to upgrade. */
export class PlanRequiredError extends PermissionError {
  readonly upgradeUrl: string | undefined;
  constructor(init: APIErrorInit) {
    super(init);
    this.upgradeUrl = typeof init.details?.upgradeUrl === 'string' ? init.details.upgradeUrl : undefined;
  }
}

/** 404: unknown id, or one of another organization. */
export class NotFoundError extends APIError {}

/** 409 (and 422 IDEMPOTENCY_KEY_REUSED): conflicts with the current state or an earlier request. */
export class ConflictError extends APIError {}

/** 429: over the rate limit; `retryAfter` is in seconds, from the Retry-After header. */
export class RateLimitError extends APIError {
  readonly retryAfter: number | undefined;
  constructor(init: APIErrorInit & { retryAfter?: number }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** 400 (and 413, 415, 422 PROVIDER_KEY_REJECTED): bad input; `field` names it as a dotted path (`body.model`). */
export class ValidationError extends APIError {
  readonly field: string | undefined;
  constructor(init: APIErrorInit) {
    super(init);
    this.field = init.field;
  }
}

/** 502/503/504: a dependency is down or not configured on this server. */
export class ServiceUnavailableError extends APIError {}

/** No HTTP answer: the connection failed or timed out (after the retries). */
export class APIConnectionError extends APIError {}

/** The answer did not match the API contract this SDK was built with (see the `validateResponses` option). */
export class ResponseValidationError extends APIError {}

type ErrorClass = new (init: APIErrorInit & { retryAfter?: number }) => APIError;

const BY_CODE: Partial<Record<ErrorCode, ErrorClass>> = {
  VALIDATION_FAILED: ValidationError,
  MALFORMED_JSON: ValidationError,
  PAYLOAD_TOO_LARGE: ValidationError,
  UNSUPPORTED_MEDIA_TYPE: ValidationError,
  PROVIDER_KEY_REJECTED: ValidationError,
  UNAUTHENTICATED: AuthenticationError,
  NO_ACTIVE_ORGANIZATION: PermissionError,
  FORBIDDEN: PermissionError,
  PLAN_REQUIRED: PlanRequiredError,
  NOT_FOUND: NotFoundError,
  CONFLICT: ConflictError,
  IDEMPOTENCY_KEY_IN_USE: ConflictError,
  IDEMPOTENCY_KEY_REUSED: ConflictError,
  RATE_LIMITED: RateLimitError,
  PROVIDER_UNREACHABLE: ServiceUnavailableError,
  SERVICE_UNAVAILABLE: ServiceUnavailableError,
  BILLING_NOT_CONFIGURED: ServiceUnavailableError,
};

function classByStatus(status: number): ErrorClass {
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status === 400 || status === 413 || status === 415 || status === 422) return ValidationError;
  if (status === 502 || status === 503 || status === 504) return ServiceUnavailableError;
  return APIError;
}

/** The typed error for an HTTP answer: chosen by the body's `code`, by the status when the body has none. */
export function errorFromResponse(status: number, headers: Headers, body: unknown, text: string, retryAfter: number | undefined): APIError {
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  const e = typeof error === 'object' && error !== null ? error as Record<string, unknown> : {};
  const code = typeof e.code === 'string' ? e.code : undefined;
  const Class = (code && BY_CODE[code as ErrorCode]) || classByStatus(status);
  const message = typeof e.message === 'string' ? e.message : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return new Class({
    message, status, code, headers, retryAfter,
    requestId: typeof e.requestId === 'string' ? e.requestId : headers.get('x-request-id') ?? undefined,
    field: typeof e.field === 'string' ? e.field : undefined,
    details: typeof e.details === 'object' && e.details !== null ? e.details as Record<string, unknown> : undefined,
  });
}
