import { z } from 'zod';

export const Uuid = z.uuid({ error: 'must be a UUID' });
export const IsoDateTime = z.iso.datetime({ offset: true });

export const IdParams = z.object({ id: Uuid }).strict();
export type IdParams = z.infer<typeof IdParams>;

/** Opaque cursor pagination: pass `nextCursor` back as `cursor`. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });
