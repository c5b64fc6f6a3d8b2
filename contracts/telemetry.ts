import { z } from 'zod';
import { Cursor, MAX_DATE, MIN_DATE, Uuid, exactText, isWithinDateRange } from './common';
import { Tier } from './emissions';
import { Bounds, Decimal } from './estimate';
import { Provider } from './usage';

export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;

/** A calendar date, `YYYY-MM-DD`, UTC. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a calendar date')
  .refine((s) => isWithinDateRange(Date.parse(`${s}T00:00:00Z`)), `must be between ${MIN_DATE} and ${MAX_DATE}`);

/** Counts that can exceed 2^53 over a year are decimal strings. */
export const Count = z.string().regex(/^-?\d+$/).describe('an integer as a string (may exceed 2^53)');

/** The filters every telemetry endpoint accepts. `to` is exclusive; the range is at most 366 days. */
export const TelemetryFilters = z.object({
  from: IsoDate.optional().describe('first day included (default: 30 days before `to`)'),
  to: IsoDate.optional().describe('first day NOT included (default: tomorrow, so today is included)'),
  projectId: Uuid.optional(),
  connectionId: Uuid.optional(),
  provider: Provider.optional(),
  model: exactText().min(1).max(200).optional(),
}).strict();
export type TelemetryFilters = z.infer<typeof TelemetryFilters>;

export const TokenTotals = z.object({ inputUncached: Count, inputCacheWrite: Count, inputCacheRead: Count, output: Count, reasoning: Count });
export type TokenTotals = z.infer<typeof TokenTotals>;

export const Totals = z.object({ requests: Count, events: Count, tokens: TokenTotals, energyWh: Bounds, co2eG: Bounds });
export type Totals = z.infer<typeof Totals>;

export const Range = z.object({ from: IsoDate, to: IsoDate });

export const TelemetrySummary = z.object({
  range: Range,
  factorVersions: z.array(z.string()).describe('factor versions the figures were computed with'),
  totals: Totals,
  cache: z.object({
    cachedInputShare: Decimal.describe('cache reads / all input tokens, 0..1'),
    uncachedInputShare: Decimal.describe('(uncached input + cache writes) / all input tokens, 0..1'),
  }),
  models: z.array(Totals.extend({ provider: Provider, model: z.string() })),
  daily: z.array(Totals.extend({ day: IsoDate })).describe('every day of the range, zeros included'),
});
export type TelemetrySummary = z.infer<typeof TelemetrySummary>;

export const ModelUsage = Totals.extend({
  provider: Provider,
  model: z.string(),
  factorVersion: z.string(),
  tier: Tier,
  matchedRule: z.string(),
  isUnmatched: z.boolean().describe('no rule matched: fallback tier with wide bounds; map the model to a tier'),
});
export const ModelUsageList = z.object({ range: Range, data: z.array(ModelUsage) });
export type ModelUsageList = z.infer<typeof ModelUsageList>;

export const EventsQuery = TelemetryFilters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: Cursor.optional(),
}).strict();
export type EventsQuery = z.infer<typeof EventsQuery>;

export const UsageEvent = z.object({
  id: Count,
  connectionId: Uuid,
  projectId: Uuid,
  provider: Provider,
  model: z.string(),
  bucketStart: z.string(),
  bucketEnd: z.string(),
  grouping: z.string(),
  requests: Count.nullable(),
  tokens: TokenTotals,
  revision: z.number().int(),
  factorVersion: z.string(),
  tier: Tier,
  energyWh: Bounds,
  co2eG: Bounds,
  updatedAt: z.string(),
});
export type UsageEvent = z.infer<typeof UsageEvent>;

export const UsageEventPage = z.object({ range: Range, data: z.array(UsageEvent), nextCursor: z.string().nullable() });
export type UsageEventPage = z.infer<typeof UsageEventPage>;

export const ExportQuery = TelemetryFilters.extend({ format: z.enum(['csv', 'json']).default('csv') }).strict();
export type ExportQuery = z.infer<typeof ExportQuery>;

/** GET /api/v1/export as CSV: RFC 4180 with a header row, one usage event per line. */
export const UsageExportCsv = z.string().describe('RFC 4180 CSV with a header row, one usage event per line');
/** GET /api/v1/export?format=json: the same events as a JSON array. */
export const UsageExportJson = z.array(UsageEvent);
