import { Uuid, isWithinDateRange } from '../../contracts/common';
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

const invalidCursor = () => new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor returned by this endpoint', { field: 'query.cursor' });

/**
 * Splits a cursor into the instant and id this API encoded, or throws a 400. The instant must be exactly what
 * `Date#toISOString` writes (Postgres reads other forms differently, or not at all: `1`, year 0, `+275760`).
 */
export function decodeCursorParts(cursor: string, isId: (id: string) => boolean): { at: Date; id: string } {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  if (parts.length !== 2) throw invalidCursor();
  const [at, id] = parts as [string, string];
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) ? Date.parse(at) : NaN;
  if (!isWithinDateRange(ms) || new Date(ms).toISOString() !== at || !isId(id)) throw invalidCursor();
  return { at: new Date(ms), id };
}

const isUuid = (id: string) => Uuid.safeParse(id).success;

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (!cursor) return undefined;
  const { at, id } = decodeCursorParts(cursor, isUuid);
  return { createdAt: at, id };
}

/** Given limit+1 rows, returns the page and the cursor of the next one. */
export function toPage<T extends { createdAt: Date; id: string }, R>(rows: T[], limit: number, map: (row: T) => R): { data: R[]; nextCursor: string | null } {
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  return { data: pageRows.map(map), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
