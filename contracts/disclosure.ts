import { z } from 'zod';
import { ExactDecimalString, ExactIntegerString, ReceiptDate, ReceiptInstant, ReceiptKind, ReceiptSerial } from './receipts';

/**
 * The emissions disclosure (reference/disclosure.md §8 month, §9 year or range), keys camelCase like the API. Every
 * figure is an exact decimal string as stored (kWh and kg are the stored Wh and g divided by 1000 exactly, t is kg /
 * 1000); percentages and the weighted data-quality score are the only rounded values (half to even, always two
 * fraction digits). Every breakdown sums exactly to `totals`, and low <= central <= high on every line.
 */

export const DISCLOSURE_SCHEMA = 'carbonplan.disclosure/v1';
/** The longest range one request may ask for. */
export const MAX_DISCLOSURE_MONTHS = 36;

const MIN_YEAR = 1970;
const MAX_YEAR = 9999;
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

const NonNegative = ExactDecimalString.refine((s) => !s.startsWith('-'), { error: 'must not be negative' });
const Count = ExactIntegerString.refine((s) => !s.startsWith('-'), { error: 'must not be negative' });
/** A percentage rounded half to even to two fraction digits, always written with both (`100.00`, `1.20`, `0.00`). */
export const Percent2 = z.string().regex(/^(?:100\.00|[1-9]?\d\.\d{2})$/, { error: 'must be a percentage with two fraction digits, 0.00 to 100.00' });

export const DisclosureMonth = z.string().regex(MONTH_PATTERN, { error: 'must be a month as YYYY-MM' })
  .refine((s) => Number(s.slice(0, 4)) >= MIN_YEAR, { error: `must be ${MIN_YEAR}-01 or later` });
export type DisclosureMonth = z.infer<typeof DisclosureMonth>;

export const DisclosureBounds = z.object({ low: NonNegative, central: NonNegative, high: NonNegative }).strict();
export type DisclosureBounds = z.infer<typeof DisclosureBounds>;

/** Token classes as disclosed: prefill = uncached input + cache writes, decode = output, cached = cache reads; reasoning is part of decode (informational). */
export const DisclosureTokens = z.object({ prefill: Count, decode: Count, cached: Count, reasoning: Count }).strict();
export type DisclosureTokens = z.infer<typeof DisclosureTokens>;

export const DisclosureFigures = z.object({ tokens: DisclosureTokens, energyKwh: DisclosureBounds, co2eKg: DisclosureBounds }).strict();
export type DisclosureFigures = z.infer<typeof DisclosureFigures>;

export const DqScore = z.number().int().min(1).max(5);
const ModelTier = z.string().min(1).max(40);

/** One row of the finest grain: month x provider x model x project x region (and factor version). The CSV is these rows. */
export const DisclosureLine = z.object({
  month: DisclosureMonth,
  provider: z.string().min(1).max(40),
  model: z.string().min(1).max(200),
  tier: ModelTier,
  matched: z.boolean(),
  projectId: z.uuid().nullable(),
  /** The project's name, `unassigned` when the usage has none. */
  project: z.string().min(1),
  /** `unassigned`: ingestion does not know the region (providers do not report the data centre). */
  region: z.string().min(1),
  gridCiSource: z.string().min(1),
  factorVersion: z.string().min(1).max(80),
  dqScore: DqScore,
  ...DisclosureFigures.shape,
  /** Serials of the month's receipts that signed figures for this provider and model (period or adjustment). */
  receipts: z.array(ReceiptSerial),
}).strict();
export type DisclosureLine = z.infer<typeof DisclosureLine>;

export const DisclosureBreakdown = z.object({
  byProvider: z.array(z.object({ provider: z.string(), ...DisclosureFigures.shape }).strict()),
  byModel: z.array(z.object({ provider: z.string(), model: z.string(), tier: ModelTier, matched: z.boolean(), dqScore: DqScore, ...DisclosureFigures.shape }).strict()),
  byProject: z.array(z.object({ projectId: z.uuid().nullable(), project: z.string(), ...DisclosureFigures.shape }).strict()),
  byRegion: z.array(z.object({ region: z.string(), gridCiSource: z.string(), ...DisclosureFigures.shape }).strict()),
}).strict();
export type DisclosureBreakdown = z.infer<typeof DisclosureBreakdown>;

export const DisclosureCreditLine = z.object({
  receipt: ReceiptSerial,
  registry: z.string().min(1),
  project: z.string().min(1),
  vintage: z.number().int(),
  /** Registry serials the grams were drawn from: a credit counts as retired only with these. */
  serialStart: z.string().min(1),
  serialEnd: z.string().min(1),
  grams: Count,
  retiredOn: ReceiptDate,
  retirementReference: z.string().min(1),
  /** Whether a credit at either end is shared with another receipt (null: not known from the ledger). */
  sharedUnit: z.boolean().nullable(),
}).strict();
export type DisclosureCreditLine = z.infer<typeof DisclosureCreditLine>;

/** Credits are reported beside the emissions and never reduce them: requiredG = retiredG + pendingG + shortfallG. */
export const DisclosureCredits = z.object({
  netted: z.literal(false),
  allocatedAt: z.literal('high'),
  requiredG: Count,
  allocatedG: Count,
  retiredG: Count,
  pendingG: Count,
  shortfallG: Count,
  lines: z.array(DisclosureCreditLine),
}).strict();
export type DisclosureCredits = z.infer<typeof DisclosureCredits>;

export const DisclosureReceipt = z.object({
  serial: ReceiptSerial,
  kind: ReceiptKind,
  adjusts: ReceiptSerial.nullable(),
  payloadSha256: z.string().regex(/^[0-9a-f]{64}$/),
  issuedAt: ReceiptInstant,
}).strict();
export type DisclosureReceipt = z.infer<typeof DisclosureReceipt>;

const QualityLevel = z.enum(['very good', 'good', 'fair', 'poor']);

const DisclosureBase = z.object({
  schema: z.literal(DISCLOSURE_SCHEMA),
  org: z.object({ id: z.uuid(), name: z.string() }).strict(),
  generatedAt: ReceiptInstant,
  /** The factor set the figures use (the newest used; the published one when there is no usage). */
  factorSet: z.object({
    /** The document's name, e.g. `CarbonFactors v1.0`; `version` is what usage rows and calculations.csv carry (`1.0`). */
    name: z.string(), version: z.string(),
    /** SHA-256 (hex) of the RFC 8785 canonical JSON of the published factor set document. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }).strict(),
  /** Every factor version the period's usage was computed with, sorted. */
  factorVersionsUsed: z.array(z.string()),
  classification: z.object({ scope: z.literal(3), category: z.literal(1), categoryName: z.string() }).strict(),
  boundary: z.object({
    included: z.array(z.string()),
    excluded: z.array(z.object({ item: z.string(), reason: z.string() }).strict()),
    minimumBoundaryMet: z.boolean(),
  }).strict(),
  method: z.object({
    ghgProtocol: z.enum(['supplier-specific', 'hybrid', 'average-data', 'spend-based']),
    activityData: z.string(), emissionFactors: z.string(), gridBasis: z.enum(['location', 'market']),
  }).strict(),
  totals: z.object({ ...DisclosureFigures.shape, co2eT: DisclosureBounds }).strict(),
  breakdown: DisclosureBreakdown,
  lines: z.array(DisclosureLine),
  marketBased: z.null(),
  dataSources: z.object({
    activityDataFromSuppliersPct: Percent2,
    emissionsReportedBySuppliersPct: Percent2,
    estimatedPct: Percent2,
    unmatchedModelSharePct: Percent2,
    spendBasedSharePct: Percent2,
  }).strict(),
  dataQuality: z.object({
    indicators: z.object({ technological: QualityLevel, temporal: QualityLevel, geographical: QualityLevel, completeness: QualityLevel, reliability: QualityLevel }).strict(),
    /** Line scores weighted by central CO2e, rounded half to even to two digits; null without emissions. */
    weightedScore: z.string().regex(/^[1-5]\.\d{2}$/).nullable(),
    notes: z.array(z.string()),
  }).strict(),
  credits: DisclosureCredits,
  receipts: z.array(DisclosureReceipt),
  frameworkMap: z.object({ esrs: z.array(z.string()), ifrsS2: z.array(z.string()), cdp: z.string() }).strict(),
});

export const MonthDisclosure = DisclosureBase.extend({
  period: z.object({ kind: z.literal('month'), start: ReceiptDate, end: ReceiptDate, tz: z.literal('UTC') }).strict(),
}).strict();
export type MonthDisclosure = z.infer<typeof MonthDisclosure>;

/**
 * How a month stands against its receipts: `unsigned` (no period receipt), `final` (current figures are what the
 * period receipt signed), `restated` (they moved and adjustment receipts signed the move), `changed` (they moved
 * beyond what was signed, e.g. below the adjustment threshold or before the next close).
 */
export const DisclosureMonthStatus = z.enum(['unsigned', 'final', 'restated', 'changed']);

export const DisclosureMonthSummary = z.object({
  month: DisclosureMonth,
  co2eKg: DisclosureBounds,
  factorVersions: z.array(z.string()),
  status: DisclosureMonthStatus,
  receipts: z.array(ReceiptSerial),
}).strict();
export type DisclosureMonthSummary = z.infer<typeof DisclosureMonthSummary>;

export const DisclosureRestatement = z.object({
  month: DisclosureMonth,
  /** High CO2e the period receipt(s) signed. */
  issuedHighKg: ExactDecimalString,
  /** Period receipt(s) plus every adjustment issued since. */
  signedHighKg: ExactDecimalString,
  currentHighKg: ExactDecimalString,
  /** The latest adjustment receipt, null when none was issued for the move. */
  adjustmentReceipt: ReceiptSerial.nullable(),
  adjustmentReceipts: z.array(ReceiptSerial),
  reason: z.string(),
}).strict();
export type DisclosureRestatement = z.infer<typeof DisclosureRestatement>;

export const RangeDisclosure = DisclosureBase.extend({
  period: z.object({ kind: z.enum(['year', 'range']), start: ReceiptDate, end: ReceiptDate, tz: z.literal('UTC') }).strict(),
  months: z.array(DisclosureMonthSummary),
  restatements: z.array(DisclosureRestatement),
  coverage: z.object({
    months: z.number().int(),
    monthsWithData: z.number().int(),
    /** `provider:connectionId` of every connection with usage in the range. */
    connections: z.array(z.string()),
  }).strict(),
}).strict();
export type RangeDisclosure = z.infer<typeof RangeDisclosure>;

export const Disclosure = z.union([MonthDisclosure, RangeDisclosure]);
export type Disclosure = z.infer<typeof Disclosure>;

/** GET /api/v1/disclosure?format=csv: reference/disclosure.md §10's columns in camelCase, one row per line. */
export const DisclosureCsv = z.string().describe('RFC 4180 CSV with a header row: one row per month, provider, model, project and region');

const monthIndex = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
/** Months from `from` to `to`, both included. */
export const monthsBetween = (from: string, to: string) => monthIndex(to) - monthIndex(from) + 1;

/**
 * GET /api/v1/disclosure: `year=YYYY`, or `from=YYYY-MM&to=YYYY-MM` (both included, at most 36 months), never both;
 * neither means the current calendar year (UTC).
 */
export const DisclosureQuery = z.object({
  year: z.string().regex(/^\d{4}$/, { error: 'must be a year as YYYY' })
    .refine((s) => Number(s) >= MIN_YEAR && Number(s) <= MAX_YEAR, { error: `must be between ${MIN_YEAR} and ${MAX_YEAR}` })
    .optional().describe('a calendar year (UTC); without year, from and to: the current year'),
  from: DisclosureMonth.optional().describe('first month included, YYYY-MM (with `to`)'),
  to: DisclosureMonth.optional().describe('last month included, YYYY-MM (with `from`)'),
  format: z.enum(['json', 'csv']).default('json').describe('json (default) or csv: one row per month, provider, model, project and region'),
}).strict().superRefine((q, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (q.year !== undefined) {
    if (q.from !== undefined || q.to !== undefined) issue('year', 'give either year or from/to, not both');
    return;
  }
  if (q.from === undefined && q.to === undefined) return;
  if (q.from === undefined) return issue('from', 'required with to');
  if (q.to === undefined) return issue('to', 'required with from');
  if (q.to < q.from) return issue('to', 'must not be before from');
  if (monthsBetween(q.from, q.to) > MAX_DISCLOSURE_MONTHS) issue('to', `the range may span at most ${MAX_DISCLOSURE_MONTHS} months`);
});
export type DisclosureQuery = z.infer<typeof DisclosureQuery>;
