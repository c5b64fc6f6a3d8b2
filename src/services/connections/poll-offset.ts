import { createHash } from 'node:crypto';

/** Providers publish the last hour's usage a few minutes late: no poll starts before :05. */
export const FIRST_POLL_SECOND = 5 * 60;

/**
 * The second past each hour at which a connection polls: :05 plus a stable share of the next `spreadMinutes`
 * derived from its id, so 10,000 pollers arrive a few per second instead of all at :05. The same id always gets
 * the same second (a restarted poller keeps its slot); 0 minutes puts everyone at :05.
 */
export function pollOffsetSeconds(connectionId: string, spreadMinutes: number): number {
  const spread = Math.floor(spreadMinutes * 60);
  if (spread <= 0) return FIRST_POLL_SECOND;
  const slot = createHash('sha256').update(connectionId, 'utf8').digest().readUInt32BE(0) % spread;
  return FIRST_POLL_SECOND + slot;
}
