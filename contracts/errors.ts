import { z } from 'zod';

/** The closed set of error codes clients can branch on. Statuses live in src/errors.ts. */
export const ErrorCode = z.enum([
  'VALIDATION_FAILED',
  'MALFORMED_JSON',
  'UNAUTHENTICATED',
  'NO_ACTIVE_ORGANIZATION',
  'FORBIDDEN',
  'PLAN_REQUIRED',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'PROVIDER_KEY_REJECTED',
  'RATE_LIMITED',
  'PROVIDER_UNREACHABLE',
  'SERVICE_UNAVAILABLE',
  'BILLING_NOT_CONFIGURED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one error body, everywhere (ARCHITECTURE §9). */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    requestId: z.string(),
    /** For validation failures: the offending field, as a dotted path (`body.provider`, `query.limit`). */
    field: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
