import { AppError } from '../errors';

/**
 * Keyset cursor over (created_at, id): stable under inserts, opaque to clients. Postgres keeps microseconds but
 * a JS Date only milliseconds, so queries compare and order on created_at truncated to milliseconds
 * (KEYSET_ORDER), exactly what the cursor can carry; otherwise the last row of a page would repeat.
 */
export interface Keyset { createdAt: Date; id: string }

export const keysetColumns = (alias: string) => ({
  order: [`date_trunc('milliseconds', ${alias}.created_at)`, `${alias}.id`] as const,
  after: `(date_trunc('milliseconds', ${alias}.created_at), ${alias}.id) > (:cursorAt, :cursorId)`,
});

export function encodeCursor(k: Keyset): string {
  return Buffer.from(`${k.createdAt.toISOString()}|${k.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor returned by this endpoint', { field: 'query.cursor' });
  }
  return { createdAt, id };
}

/** Given limit+1 rows, returns the page and the cursor of the next one. */
export function toPage<T extends { createdAt: Date; id: string }, R>(rows: T[], limit: number, map: (row: T) => R): { data: R[]; nextCursor: string | null } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
