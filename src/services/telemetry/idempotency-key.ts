import { hash } from 'node:crypto';

export interface BucketIdentity { connectionId: string; model: string; bucketStart: Date; bucketEnd: Date; grouping: string }

/**
 * The natural key of a usage row: SHA-256 over connection, model, bucket bounds and grouping, with a
 * separator that cannot occur in the parts' formats so distinct tuples never collide by concatenation.
 * One-shot `crypto.hash` (no Hash object per row): this runs for every bucket of every poll.
 */
export function usageIdempotencyKey(b: BucketIdentity): Buffer {
  return hash('sha256', `${b.connectionId}\u0000${b.model}\u0000${b.bucketStart.toISOString()}\u0000${b.bucketEnd.toISOString()}\u0000${b.grouping}`, 'buffer');
}
