import { hash } from 'node:crypto';

export interface BucketIdentity { provider: string; connectionId: string; model: string; bucketStart: Date; grouping: string }

/**
 * The natural key of a usage row: SHA-256 over provider, connection, model, bucket START and grouping, with a
 * separator that cannot occur in the parts' formats so distinct tuples never collide by concatenation.
 *
 * The bucket end is deliberately not part of it: OpenAI cuts the still-open bucket at the requested end_time,
 * so polls at 10:37 and 11:05 read the 10:00 hour with two different ends; it is one bucket, and the end is a
 * column that updates. Migration 1764000000004 computes the same key in SQL (a test keeps the two equal).
 * One-shot `crypto.hash` (no Hash object per row): this runs for every bucket of every poll.
 */
export function usageIdempotencyKey(b: BucketIdentity): Buffer {
  return hash('sha256', `${b.provider}\u0000${b.connectionId}\u0000${b.model}\u0000${b.bucketStart.toISOString()}\u0000${b.grouping}`, 'buffer');
}
