import { z } from 'zod';

export const Uuid = z.uuid({ error: 'must be a UUID' });
export const IsoDateTime = z.iso.datetime({ offset: true });

/**
 * The instants and days a request may name. Postgres has no year 0 and JS renders years past 9999 as
 * `+010000-…`, which no contract accepts back; nothing this API counts happened before 1970.
 */
export const MIN_DATE = '1970-01-01';
export const MAX_DATE = '9999-12-31';
const MIN_MS = Date.parse(`${MIN_DATE}T00:00:00Z`);
const MAX_MS = Date.parse(`${MAX_DATE}T23:59:59.999Z`);
export const isWithinDateRange = (ms: number) => ms >= MIN_MS && ms <= MAX_MS;
const DATE_RANGE_MESSAGE = `must be between ${MIN_DATE} and ${MAX_DATE} (UTC)`;

/** An instant in a request: ISO 8601 with an offset, within MIN_DATE..MAX_DATE once converted to UTC. */
export const IsoInstant = IsoDateTime.refine((s) => isWithinDateRange(Date.parse(s)), DATE_RANGE_MESSAGE);

/**
 * No control characters (C0, DEL, C1: Postgres refuses NUL in text, the rest corrupt logs, CSV and terminals)
 * and no unpaired surrogate (not Unicode: stored as U+FFFD, so the stored text is not what was sent).
 */
export const PLAIN_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;
export const PLAIN_TEXT_MESSAGE = 'must not contain control characters or unpaired surrogates';

/** Text a person typed (names): trimmed, then checked against PLAIN_TEXT. */
export const plainText = () => z.string().trim().regex(PLAIN_TEXT, PLAIN_TEXT_MESSAGE);

/** A value compared as-is (filters such as a model name): PLAIN_TEXT, not trimmed. */
export const exactText = () => z.string().regex(PLAIN_TEXT, PLAIN_TEXT_MESSAGE);

/** What endpoints hand out as `nextCursor`: base64url. Its content is checked where it is decoded. */
export const Cursor = z.string().max(200).regex(/^[A-Za-z0-9_-]*$/, 'not a cursor returned by this endpoint');

export const IdParams = z.object({ id: Uuid }).strict();
export type IdParams = z.infer<typeof IdParams>;

/** Opaque cursor pagination: pass `nextCursor` back as `cursor`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: Cursor.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
