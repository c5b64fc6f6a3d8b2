import { z } from 'zod';

/**
 * The `Idempotency-Key` request header (IETF httpapi draft `draft-ietf-httpapi-idempotency-key-header`): the draft's
 * sf-string form (`"…"`) and Stripe's bare form name the same key.
 */
export const IdempotencyKey = z.string().min(1).max(255).regex(/^[\x20-\x7e]+$/, { error: 'must be 1-255 printable ASCII characters' })
  .describe('Makes this POST safe to retry: the same key with the same body within 24 h returns the first response '
    + '(with `Idempotent-Replayed: true`) instead of running again. Reused with a different body: 422 IDEMPOTENCY_KEY_REUSED; '
    + 'while the first request runs: 409 IDEMPOTENCY_KEY_IN_USE. 5xx answers are not kept. Keys are per organization and route; use a random UUID.');
export type IdempotencyKey = z.infer<typeof IdempotencyKey>;

export const IdempotencyHeaders = z.object({ 'Idempotency-Key': IdempotencyKey.optional() });
