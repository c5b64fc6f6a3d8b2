import type { ErrorCode } from '../contracts/errors';

/** The one table from error code to HTTP status. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  NO_ACTIVE_ORGANIZATION: 403,
  FORBIDDEN: 403,
  PLAN_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PROVIDER_KEY_REJECTED: 422,
  RATE_LIMITED: 429,
  PROVIDER_UNREACHABLE: 502,
  SERVICE_UNAVAILABLE: 503,
  // This server runs without Stripe settings: not an outage, so no Retry-After.
  BILLING_NOT_CONFIGURED: 503,
  INTERNAL: 500,
};

/** An expected failure with a client-safe message. Services throw it; the HTTP layer renders it. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; details?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
