// Figures for people. The services answer exact decimal strings; only here, for display, do they become floats
// (rounded to a few significant digits). Every page also carries the exact value in a <data value> element, so a
// reader (or a test) can compare it digit for digit with the API's answer.

export interface Bounds { central: string; low: string; high: string }

const number = (digits: { min?: number; max?: number; significant?: number }) => new Intl.NumberFormat('en-US', digits.significant
  ? { maximumSignificantDigits: digits.significant }
  : { minimumFractionDigits: digits.min ?? 0, maximumFractionDigits: digits.max ?? 0 });
const WHOLE = number({});
const ONE_DECIMAL = number({ min: 1, max: 1 });
const TWO_SIGNIFICANT = number({ significant: 2 });

/** 1,234 / 12.3 / 1.2 / 0.034: whole numbers from 100 on, one decimal from 1, two significant digits below. */
export function formatAmount(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0';
  if (magnitude >= 100) return WHOLE.format(value);
  if (magnitude >= 1) return ONE_DECIMAL.format(value);
  return TWO_SIGNIFICANT.format(value);
}

interface Unit { symbol: string; factor: number }
const MASS_UNITS: Unit[] = [{ symbol: 'g', factor: 1 }, { symbol: 'kg', factor: 1e3 }, { symbol: 't', factor: 1e6 }];
const ENERGY_UNITS: Unit[] = [{ symbol: 'Wh', factor: 1 }, { symbol: 'kWh', factor: 1e3 }, { symbol: 'MWh', factor: 1e6 }, { symbol: 'GWh', factor: 1e9 }];

/** The largest unit in which `base` is at least 1 (the smallest unit for zero). */
export function unitFor(base: number, units: Unit[]): Unit {
  let chosen = units[0];
  for (const unit of units) if (Math.abs(base) >= unit.factor) chosen = unit;
  return chosen;
}

/** A figure with its bounds, formatted: the parts (for markup that keeps the exact values) and the whole text. */
export interface BoundedText { central: string; low: string; high: string; unit: string; text: string; exact: Bounds }

function boundedParts(b: Bounds, units: Unit[]): BoundedText {
  // One unit for all three (chosen by the central value), so "1.2 t (0.4–3.1 t)" reads as one scale.
  const unit = unitFor(Number(b.central), units);
  const f = (s: string) => formatAmount(Number(s) / unit.factor);
  const [central, low, high] = [f(b.central), f(b.low), f(b.high)];
  return { central, low, high, unit: unit.symbol, text: `${central} ${unit.symbol} (${low}–${high} ${unit.symbol})`, exact: b };
}
const withBounds = (b: Bounds, units: Unit[]) => boundedParts(b, units).text;

const single = (value: string, units: Unit[]) => {
  const unit = unitFor(Number(value), units);
  return `${formatAmount(Number(value) / unit.factor)} ${unit.symbol}`;
};

/** CO2e given in grams: "1.2 t (0.4–3.1 t)", "340 kg (120–910 kg)". */
export const co2eWithBounds = (grams: Bounds) => withBounds(grams, MASS_UNITS);
/** CO2e given in kilograms (receipts): the same text as co2eWithBounds. */
export const co2eKgWithBounds = (kg: Bounds) => withBounds({ central: scaleText(kg.central, 3), low: scaleText(kg.low, 3), high: scaleText(kg.high, 3) }, MASS_UNITS);
export const co2e = (grams: string) => single(grams, MASS_UNITS);
export const co2eParts = (grams: Bounds) => boundedParts(grams, MASS_UNITS);
export const co2eKgParts = (kg: Bounds) => ({ ...boundedParts({ central: scaleText(kg.central, 3), low: scaleText(kg.low, 3), high: scaleText(kg.high, 3) }, MASS_UNITS), exact: kg });
export const energyParts = (wh: Bounds) => boundedParts(wh, ENERGY_UNITS);
export const energyWithBounds = (wh: Bounds) => withBounds(wh, ENERGY_UNITS);
export const energy = (wh: string) => single(wh, ENERGY_UNITS);

/** An exact decimal string multiplied by 10^k, still exact (kg → g for receipts). */
function scaleText(text: string, k: number): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return text;
  const [, sign, whole, fraction = ''] = m;
  const digits = `${whole}${fraction.padEnd(k, '0')}`;
  const point = whole.length + k;
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point).replace(/0+$/, '');
  return `${sign}${intPart}${rest ? `.${rest}` : ''}`;
}

/** An integer string of any size with thousands separators: "12,345,678". */
export function formatCount(text: string): string {
  if (!/^-?\d+$/.test(text)) return text;
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  return `${negative ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`;
}

const COMPACT = [{ symbol: 'B', factor: 1e9 }, { symbol: 'M', factor: 1e6 }, { symbol: 'k', factor: 1e3 }];

/** Large counts read at a glance: "1.2 B", "340 M", "12 k"; below a thousand, the number itself. */
export function formatCompact(text: string): string {
  const value = Number(text);
  const unit = COMPACT.find((u) => Math.abs(value) >= u.factor);
  return unit ? `${formatAmount(value / unit.factor)} ${unit.symbol}` : formatCount(text);
}

/** A share 0..1 as a percentage with one decimal: "34.5 %". */
export const formatShare = (share: string) => `${ONE_DECIMAL.format(Number(share) * 100)} %`;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-03-07" or an ISO instant → "7 Mar 2026" (UTC, as every date of the API). */
export function formatDay(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "7 Mar 2026, 14:05 UTC". */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${formatDay(iso)}, ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} UTC`;
}

/** "5 min ago", "3 h ago", "2 days ago"; "in 4 days" for the future. */
export function formatRelative(iso: string, now: Date): string {
  const ms = new Date(iso).getTime() - now.getTime();
  if (Number.isNaN(ms)) return iso;
  const abs = Math.abs(ms);
  const [value, unit] = abs < 60_000 ? [0, ''] : abs < 3_600_000 ? [Math.round(abs / 60_000), 'min'] : abs < 86_400_000 ? [Math.round(abs / 3_600_000), 'h']
    : [Math.round(abs / 86_400_000), Math.round(abs / 86_400_000) === 1 ? 'day' : 'days'];
  if (!unit) return 'just now';
  return ms < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** The last day of a period [start, end): the day before `end`. */
export function lastDayOf(endIso: string): string {
  const ms = Date.parse(endIso.length === 10 ? `${endIso}T00:00:00Z` : endIso);
  return Number.isNaN(ms) ? endIso : new Date(ms - 1).toISOString().slice(0, 10);
}
