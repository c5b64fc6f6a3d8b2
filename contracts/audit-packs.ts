import { z } from 'zod';
import { IsoDateTime, PageQuery, Uuid, page } from './common';
import { monthOf } from './months';

/** A calendar month, `YYYY-MM` (UTC). */
export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM');
export type Month = z.infer<typeof Month>;

/** The earliest month a pack may cover: nothing this product counts happened before it. */
export const EARLIEST_PACK_MONTH = '2000-01';

export { monthOf, previousMonth } from './months';

/**
 * A month whose usage can no longer grow by the calendar: strictly before the current UTC month (late usage
 * still makes a new version later). Read against the clock when the request is parsed.
 */
export const ClosedMonth = Month
  .refine((m) => m >= EARLIEST_PACK_MONTH, `must not be before ${EARLIEST_PACK_MONTH}`)
  .refine((m) => m < monthOf(new Date()), 'must be a closed month: before the current month (UTC)');

export const RequestAuditPackBody = z.object({
  month: ClosedMonth.describe('the closed calendar month (UTC) to pack, e.g. 2026-04'),
}).strict();
export type RequestAuditPackBody = z.infer<typeof RequestAuditPackBody>;

/** 202 to POST /api/v1/audit-packs: the pack is being built (or checked) by `workflowId`; it appears in the list. */
export const AuditPackRequested = z.object({
  month: Month,
  status: z.literal('building'),
  workflowId: z.string().describe('audit-pack:{orgId}:{month}; a second request while it runs joins it'),
});
export type AuditPackRequested = z.infer<typeof AuditPackRequested>;

export const AuditPack = z.object({
  id: Uuid,
  month: Month,
  version: z.number().int().min(1).describe('1, 2, …: a new version is built only when the month\'s inputs changed; earlier ones are kept'),
  bytes: z.number().int().min(0).describe('size of the zip'),
  manifestSha256: z.string().describe('SHA-256 (hex) of manifest.json, as printed on cover.pdf'),
  events: z.number().int().min(0).describe('usage events of the month in calculations.csv'),
  receipts: z.number().int().min(0).describe('receipts of the month in the pack'),
  createdAt: IsoDateTime,
  downloadUrl: z.string().describe('path of the zip: GET it with the same credentials'),
});
export type AuditPack = z.infer<typeof AuditPack>;

export const AuditPackList = page(AuditPack);
export type AuditPackList = z.infer<typeof AuditPackList>;

export const ListAuditPacksQuery = PageQuery.extend({
  month: Month.optional().describe('only this month\'s versions'),
});
export type ListAuditPacksQuery = z.infer<typeof ListAuditPacksQuery>;

/** GET /api/v1/audit-packs/{id}/download: the zip as stored. */
export const AuditPackZip = z.string().meta({ format: 'binary' }).describe('the audit pack zip');
