import { z } from 'zod';

/**
 * The signed receipt payload, version 1. What is signed is the RFC 8785 canonical form of exactly this object
 * (Ed25519 over its SHA-256); every field is camelCase like the API. Objects are strict: a field this version does
 * not name is refused, so a verifier never signs off on data it cannot read. `contracts/receipt-payload.schema.json`
 * is generated from it (`npm run contracts:schema`) and a test keeps the two in sync.
 */

const CROCKFORD_BASE32 = '0-9A-HJKMNP-TV-Z';
/** `CL-YYYYMM-XXXXX`: the period's start month and five random Crockford base32 characters (no I, L, O, U). */
export const RECEIPT_SERIAL_PATTERN = new RegExp(`^CL-(\\d{4})(0[1-9]|1[0-2])-[${CROCKFORD_BASE32}]{5}$`);
export const ReceiptSerial = z.string().regex(RECEIPT_SERIAL_PATTERN, { error: 'must be a receipt serial CL-YYYYMM-XXXXX' });
export type ReceiptSerial = z.infer<typeof ReceiptSerial>;

/**
 * An exact decimal string as signed: no exponent, no leading zeros, no trailing fraction zeros, no `+`, `0` for
 * zero and never `-0`. Negative values appear only in adjustments (a delta).
 */
export const EXACT_DECIMAL_PATTERN = /^(?:0|-?(?:[1-9]\d*(?:\.\d*[1-9])?|0\.\d*[1-9]))$/;
export const ExactDecimalString = z.string().regex(EXACT_DECIMAL_PATTERN, { error: 'must be an exact decimal string (no exponent, no trailing zeros, no -0)' });
/** A whole number as an exact decimal string (token counts exceed 2^53 over a year). */
export const ExactIntegerString = z.string().regex(/^(?:0|-?[1-9]\d*)$/, { error: 'must be an integer string (no leading zeros, no -0)' });
const NonNegativeDecimal = ExactDecimalString.refine((s) => !s.startsWith('-'), { error: 'must not be negative' });

/** An instant in UTC as `Date.prototype.toISOString` writes it, so the signed text has one spelling. */
export const ReceiptInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, { error: 'must be a UTC instant as YYYY-MM-DDTHH:MM:SS.sssZ' })
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, { error: 'is not a valid instant' });
export const ReceiptDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date as YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), { error: 'is not a calendar date' });

export const ReceiptBounds = z.object({ low: ExactDecimalString, central: ExactDecimalString, high: ExactDecimalString }).strict();
export type ReceiptBounds = z.infer<typeof ReceiptBounds>;

/** Tokens by disjoint class (the dashboard's classes); `reasoning` is the informational part of `output`. */
export const ReceiptTokens = z.object({
  inputUncached: ExactIntegerString,
  inputCacheWrite: ExactIntegerString,
  inputCacheRead: ExactIntegerString,
  output: ExactIntegerString,
  reasoning: ExactIntegerString,
}).strict();
export type ReceiptTokens = z.infer<typeof ReceiptTokens>;

export const ReceiptFigures = z.object({ tokens: ReceiptTokens, energyKwh: ReceiptBounds, co2eKg: ReceiptBounds }).strict();
export type ReceiptFigures = z.infer<typeof ReceiptFigures>;

export const ReceiptModelLine = ReceiptFigures.extend({
  provider: z.string().min(1).max(40),
  model: z.string().min(1).max(200),
  factorVersion: z.string().min(1).max(80),
}).strict();
export type ReceiptModelLine = z.infer<typeof ReceiptModelLine>;

/** A non-negative decimal of at most 6 fraction digits as millionths; anything else counts as -1 (never sums right). */
function micro(s: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(s);
  return match ? BigInt(match[1] + (match[2] ?? '').padEnd(6, '0')) : -1n;
}

/** One allocation from one inventory batch: the credit serials it draws from and the registry's retirement record. */
export const ReceiptCreditRetirement = z.object({
  registry: z.string().min(1).max(80),
  project: z.string().min(1).max(200),
  vintage: z.number().int().min(1990).max(2100),
  serialStart: z.string().min(1).max(200),
  serialEnd: z.string().min(1).max(200),
  /** At most 6 fraction digits: allocations are whole grams, and one credit (a tonne) may be shared across receipts. */
  tonnes: NonNegativeDecimal.refine((s) => (s.split('.')[1]?.length ?? 0) <= 6, { error: 'has more than 6 fraction digits (a gram)' }),
  retiredOn: ReceiptDate,
  retirementReference: z.string().min(1).max(200),
}).strict();
export type ReceiptCreditRetirement = z.infer<typeof ReceiptCreditRetirement>;

/**
 * Credits for this receipt: `requiredTonnes` is the high CO2e bound (of the delta, for an adjustment) rounded up to
 * the gram, `0` when nothing is owed; what the inventory could not cover is `shortfallTonnes`, never called retired.
 */
export const ReceiptCredits = z.object({
  requiredTonnes: NonNegativeDecimal,
  retirements: z.array(ReceiptCreditRetirement),
  shortfallTonnes: NonNegativeDecimal,
}).strict().refine(
  (c) => c.retirements.reduce((sum, r) => sum + micro(r.tonnes), micro(c.shortfallTonnes)) === micro(c.requiredTonnes),
  { error: 'retired tonnes plus the shortfall must equal the required tonnes', path: ['shortfallTonnes'] },
);
export type ReceiptCredits = z.infer<typeof ReceiptCredits>;

/**
 * The usage the figures were computed from, by reference: SHA-256 (lowercase hex) of the RFC 8785 canonical form of
 * the array `[{ "id": eventId, "revision": n }, ...]` sorted by id, and how many entries it has. The list itself is
 * kept by the issuer (revisions are append-only), so anyone holding it can recompute the figures and this digest.
 */
export const ReceiptSnapshot = z.object({
  format: z.literal('event-revisions-jcs-sha256'),
  events: ExactIntegerString.refine((s) => !s.startsWith('-'), { error: 'must not be negative' }),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lowercase hex digits' }),
}).strict();
export type ReceiptSnapshot = z.infer<typeof ReceiptSnapshot>;

export const ReceiptKind = z.enum(['period', 'adjustment']);
export type ReceiptKind = z.infer<typeof ReceiptKind>;

/** RFC 7638 JWK thumbprint of the signing key (base64url of 32 bytes), also its `kid` at GET /public/keys. */
export const ReceiptKeyId = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be a key id (43 base64url characters)' });

const isNegative = (s: string) => s.startsWith('-');
function figureValues(f: ReceiptFigures): string[] {
  return [...Object.values(f.tokens), ...Object.values(f.energyKwh), ...Object.values(f.co2eKg)];
}

export const ReceiptPayload = z.object({
  version: z.literal(1),
  serial: ReceiptSerial,
  kind: ReceiptKind,
  /** The receipt this one adjusts (kind `adjustment`); null for a period receipt. */
  adjusts: ReceiptSerial.nullable(),
  organization: z.object({ id: z.uuid(), name: z.string().min(1).max(200) }).strict(),
  /** [start, end): the billing period (for an adjustment, the period it adjusts). */
  period: z.object({ start: ReceiptInstant, end: ReceiptInstant }).strict(),
  /** The period's figures; for an adjustment, the delta from the adjusted receipt (which may be negative). */
  totals: ReceiptFigures,
  /** One line per provider and model, sorted by provider then model; lines sum to the totals. */
  models: z.array(ReceiptModelLine),
  /** Factor set versions the figures were computed with, sorted, no duplicates (empty only without usage). */
  factorVersions: z.array(z.string().min(1).max(80)),
  credits: ReceiptCredits,
  snapshot: ReceiptSnapshot,
  issuedAt: ReceiptInstant,
  keyId: ReceiptKeyId,
}).strict().superRefine((p, ctx) => {
  if ((p.kind === 'adjustment') !== (p.adjusts !== null)) {
    ctx.addIssue({ code: 'custom', path: ['adjusts'], message: 'an adjustment names the serial it adjusts; a period receipt has null' });
  }
  if (p.adjusts !== null && p.adjusts === p.serial) ctx.addIssue({ code: 'custom', path: ['adjusts'], message: 'a receipt cannot adjust itself' });
  if (p.serial.slice(3, 9) !== p.period.start.slice(0, 4) + p.period.start.slice(5, 7)) {
    ctx.addIssue({ code: 'custom', path: ['serial'], message: 'the serial month must be the period start month' });
  }
  if (!(p.period.start < p.period.end)) ctx.addIssue({ code: 'custom', path: ['period', 'end'], message: 'must be after the start' });
  if (p.kind === 'period' && [p.totals, ...p.models].some((f) => figureValues(f).some(isNegative))) {
    ctx.addIssue({ code: 'custom', path: ['totals'], message: 'a period receipt has no negative figure' });
  }
  const sorted = [...new Set(p.factorVersions)].sort();
  if (sorted.join('\n') !== p.factorVersions.join('\n')) ctx.addIssue({ code: 'custom', path: ['factorVersions'], message: 'must be sorted and unique' });
});
export type ReceiptPayload = z.infer<typeof ReceiptPayload>;

/** The JSON Schema (draft 2020-12) committed as contracts/receipt-payload.schema.json; cross-field rules are in `description`. */
export function receiptPayloadJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ReceiptPayload, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    $id: 'https://carbonplan.example/schemas/receipt-payload-v1.json',
    title: 'CarbonPlan receipt payload, version 1',
    description: 'Signed as Ed25519 over SHA-256 of the RFC 8785 canonical form of this object. Not expressible here: '
      + 'adjusts is a serial exactly when kind is "adjustment"; the serial month equals period.start\'s month; '
      + 'period.start < period.end; a period receipt has no negative figure; factorVersions is sorted and unique; '
      + 'credit tonnes have at most 6 fraction digits and sum with shortfallTonnes to requiredTonnes.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
