import { createHash } from 'node:crypto';
import type { ReceiptSnapshot } from '../../contracts/receipts';
import { canonicalize } from './canonical-json';

export interface SnapshotEntry {
  /** usage_events id. */
  id: string;
  revision: number;
}

/**
 * The payload's `snapshot`: the signed reference to exactly which event revisions were counted. The list is
 * sorted by id (UTF-16 code units, as JCS sorts) so the same set always hashes alike; an id twice is refused.
 */
export function snapshotReference(entries: readonly SnapshotEntry[]): ReceiptSnapshot {
  const sorted = entries.map((e) => ({ id: e.id, revision: e.revision })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isSafeInteger(sorted[i].revision) || sorted[i].revision < 0) throw new RangeError(`event ${sorted[i].id}: revision must be a non-negative integer`);
    if (i > 0 && sorted[i].id === sorted[i - 1].id) throw new RangeError(`event ${sorted[i].id} appears twice in a snapshot`);
  }
  return {
    format: 'event-revisions-jcs-sha256',
    events: String(sorted.length),
    sha256: createHash('sha256').update(canonicalize(sorted), 'utf8').digest('hex'),
  };
}
