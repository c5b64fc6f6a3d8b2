import type { FactorSetDocument, FactorTriple, Tier } from '../../contracts/emissions';
import { fromJsonNumber, parseDecimal, toCanonicalString } from '../emissions/exact-decimal';

/**
 * calculations.csv of an audit pack: one line per (event, revision) the pack needs, with every input of the
 * emissions formula (token classes, tier, matched rule, factor values, PUE, grid intensity) beside the stored
 * figures, so recalculate.mjs can recompute each figure from the line and the factor set alone. RFC 4180: CRLF
 * line ends, fields quoted only when they hold a comma, quote, CR or LF.
 */

export const CALCULATION_COLUMNS = [
  'eventId', 'revision', 'isCurrent', 'signedBy', 'inMonth', 'connectionId', 'projectId', 'provider', 'model',
  'bucketStart', 'bucketEnd', 'inputUncached', 'inputCacheWrite', 'inputCacheRead', 'outputTokens', 'reasoningTokens',
  'factorVersion', 'tier', 'matchedRule', 'pueLow', 'pueCentral', 'pueHigh', 'gridLow', 'gridCentral', 'gridHigh',
  'prefillWhPer1kLow', 'prefillWhPer1kCentral', 'prefillWhPer1kHigh', 'decodeWhPer1kLow', 'decodeWhPer1kCentral',
  'decodeWhPer1kHigh', 'cachedWhPer1kLow', 'cachedWhPer1kCentral', 'cachedWhPer1kHigh', 'energyWhLow',
  'energyWhCentral', 'energyWhHigh', 'co2eGLow', 'co2eGCentral', 'co2eGHigh',
] as const;

export const CSV_LINE_END = '\r\n';

/** The header line, CRLF included. */
export const CALCULATIONS_CSV_HEADER = `${CALCULATION_COLUMNS.join(',')}${CSV_LINE_END}`;

/**
 * One (event, revision) as read from usage_events or usage_event_revisions: bigint and numeric columns as the
 * strings node-postgres returns, timestamps as Date (or ISO text).
 */
export interface CalculationRow {
  eventId: string;
  revision: number;
  isCurrent: boolean;
  /** Serials of the receipts that signed this revision (any order; written sorted). */
  signedBy: readonly string[];
  /** bucket_start falls in the pack's month (false for an out-of-month revision a receipt of the month signed). */
  inMonth: boolean;
  connectionId: string;
  projectId: string;
  provider: string;
  model: string;
  bucketStart: Date | string;
  bucketEnd: Date | string;
  inputUncached: string;
  inputCacheWrite: string;
  inputCacheRead: string;
  outputTokens: string;
  reasoningTokens: string;
  factorVersion: string;
  tier: string;
  matchedRule: string;
  energyWhLow: string;
  energyWhCentral: string;
  energyWhHigh: string;
  co2eGLow: string;
  co2eGCentral: string;
  co2eGHigh: string;
}

/** `[low, central, high]` as canonical decimal text. */
type Bounds = readonly [string, string, string];

interface VersionFactors {
  tiers: Map<string, { prefill: Bounds; decode: Bounds; cached: Bounds }>;
  pue: Map<string, Bounds>;
  grid: Map<string, Bounds>;
}

// Ingestion uses the `default` grid row (region unknown); a future grid column would select another.
const GRID_KEY = 'default';

const NEEDS_QUOTES = /[",\r\n]/;
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A factor as the decimal it was written as (the engine reads it the same way), reordered to low, central, high. */
function bounds(triple: FactorTriple): Bounds {
  const text = (n: number) => toCanonicalString(fromJsonNumber(n));
  return [text(triple[1]), text(triple[0]), text(triple[2])];
}

function factorsOf(doc: FactorSetDocument): VersionFactors {
  return {
    tiers: new Map(Object.entries(doc.tiers).map(([tier, f]) => [tier, { prefill: bounds(f.prefill), decode: bounds(f.decode), cached: bounds(f.cached) }])),
    pue: new Map(Object.entries(doc.pue).map(([key, t]) => [key, bounds(t)])),
    grid: new Map(Object.entries(doc.grid).map(([key, t]) => [key, bounds(t)])),
  };
}

const TOKEN_COUNT = /^\d+$/;
function tokenCount(value: string, what: string): string {
  if (typeof value !== 'string' || !TOKEN_COUNT.test(value)) throw new RangeError(`${what} must be a non-negative integer string, got ${JSON.stringify(value)}`);
  return BigInt(value).toString();
}

/** numeric text from Postgres may carry trailing zeros: the pack writes each figure in its one canonical spelling. */
const decimal = (value: string) => toCanonicalString(parseDecimal(value));

function instant(value: Date | string, what: string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new RangeError(`${what} is not a valid instant: ${String(value)}`);
  return date.toISOString();
}

export interface CalculationsCsv {
  readonly header: string;
  /** One CSV line, CRLF included. Throws for a factor version, tier or value the pack cannot describe. */
  formatRow(row: CalculationRow): string;
}

/**
 * A formatter over the factor sets the pack includes (keyed by their `version`, the events' factor_version). Factor
 * tables are prepared once; formatting a row is string work only, so a builder can stream a million rows.
 */
export function createCalculationsCsv(factorSets: readonly FactorSetDocument[]): CalculationsCsv {
  const versions = new Map(factorSets.map((doc) => [doc.version, factorsOf(doc)]));

  function formatRow(row: CalculationRow): string {
    const factors = versions.get(row.factorVersion);
    if (!factors) throw new RangeError(`event ${row.eventId}: factor version ${row.factorVersion} is not among the pack's factor sets`);
    const tier = factors.tiers.get(row.tier as Tier);
    if (!tier) throw new RangeError(`event ${row.eventId}: tier ${row.tier} is not in factor set ${row.factorVersion}`);
    // The engine's rule: the provider's PUE row, else `default` (OpenRouter has its own mixed-host row).
    const pue = factors.pue.get(row.provider) ?? factors.pue.get('default')!;
    const grid = factors.grid.get(GRID_KEY)!;
    const fields = [
      row.eventId, String(row.revision), String(row.isCurrent), [...row.signedBy].sort().join(';'), String(row.inMonth),
      row.connectionId, row.projectId, row.provider, row.model,
      instant(row.bucketStart, 'bucketStart'), instant(row.bucketEnd, 'bucketEnd'),
      tokenCount(row.inputUncached, 'inputUncached'), tokenCount(row.inputCacheWrite, 'inputCacheWrite'),
      tokenCount(row.inputCacheRead, 'inputCacheRead'), tokenCount(row.outputTokens, 'outputTokens'),
      tokenCount(row.reasoningTokens, 'reasoningTokens'),
      row.factorVersion, row.tier, row.matchedRule,
      ...pue, ...grid, ...tier.prefill, ...tier.decode, ...tier.cached,
      decimal(row.energyWhLow), decimal(row.energyWhCentral), decimal(row.energyWhHigh),
      decimal(row.co2eGLow), decimal(row.co2eGCentral), decimal(row.co2eGHigh),
    ];
    return `${fields.map(csvField).join(',')}${CSV_LINE_END}`;
  }

  return { header: CALCULATIONS_CSV_HEADER, formatRow };
}
