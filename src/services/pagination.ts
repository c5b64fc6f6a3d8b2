import { AppError } from '../errors';

/** Keyset cursor over (created_at, id): stable under inserts, opaque to clients. */
export interface Keyset { createdAt: Date; id: string }

export function encodeCursor(k: Keyset): string {
  return Buffer.from(`${k.createdAt.toISOString()}|${k.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor returned by this endpoint', { field: 'query.cursor' });
  return { createdAt, id };
}

/** Given limit+1 rows, returns the page and the cursor of the next one. */
export function toPage<T extends { createdAt: Date; id: string }, R>(rows: T[], limit: number, map: (row: T) => R): { data: R[]; nextCursor: string | null } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
