import { z } from 'zod';

const ExactDecimalString = z.string().regex(/^(0|[1-9]\d*)(\.\d*[1-9])?$/, 'an exact decimal string: no exponent, no trailing zeros');
const Grams = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const CreditRegistry = z.enum(['verra', 'gold-standard', 'puro']);
export type CreditRegistry = z.infer<typeof CreditRegistry>;

/**
 * One allocation line of a receipt: grams of one retired batch, the credits (units of one tonne) they touch and the
 * registry retirement behind them. `sharedSerials` are the touched credits this line holds only part of: the rest
 * of each is (or will be) allocated to other receipts, and the ledger names them.
 */
export const CreditAllocationLine = z.object({
  status: z.literal('retired').describe('every loaded batch was retired on its registry before allocation'),
  registry: CreditRegistry,
  project: z.string(),
  vintage: z.number().int(),
  serialStart: z.string().describe('the first credit drawn on, in the registry\'s single-unit form'),
  serialEnd: z.string().describe('the last credit drawn on'),
  grams: Grams,
  tonnes: ExactDecimalString,
  sharedSerials: z.array(z.string()),
  retiredOn: z.iso.date(),
  retirementReference: z.string(),
  batchId: z.uuid(),
});
export type CreditAllocationLine = z.infer<typeof CreditAllocationLine>;

/** What the inventory could not cover: shown as such, never as retired. */
export const CreditAllocationShortfall = z.object({ status: z.literal('shortfall'), grams: Grams.min(1), tonnes: ExactDecimalString });
export type CreditAllocationShortfall = z.infer<typeof CreditAllocationShortfall>;

/** What the allocator recorded for one receipt key (the ledger view; `toPayloadCredits` gives the signed payload's section): allocated at its high CO2e bound rounded up to the gram, oldest vintage first. */
export const CreditAllocation = z.object({
  requestedGrams: Grams,
  allocatedGrams: Grams,
  lines: z.array(CreditAllocationLine),
  shortfall: CreditAllocationShortfall.nullable(),
});
export type CreditAllocation = z.infer<typeof CreditAllocation>;
