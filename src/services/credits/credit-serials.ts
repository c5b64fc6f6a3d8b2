/**
 * Serials of the registries whose unit ranges we can check (reference/credits.md §2): Verra VCS, Gold Standard and
 * Puro number one unit per tonne, both ends inclusive. The inventory CSV gives the first and the last unit of a
 * block in the registry's single-unit form (start = end). Isometric numbers kilograms with an unconfirmed range
 * convention (§2.4) and is not accepted until it is.
 */
export const CREDIT_REGISTRIES = ['verra', 'gold-standard', 'puro'] as const;
export type CreditRegistry = (typeof CREDIT_REGISTRIES)[number];

export const GRAMS_PER_TONNE = 1_000_000;

export interface ParsedUnitSerial {
  /** The serial with the unit numbers replaced by `#`: units of one series share a numbering space. */
  series: string;
  unit: bigint;
  /** Zero-padded width of the unit number as written, 0 when it has no leading zero (kept when a serial is rebuilt). */
  width: number;
  /** The vintage year(s) the serial itself names. */
  years: number[];
}

interface Format {
  pattern: RegExp;
  /** Builds the series from the match: the text around the two unit numbers. */
  series(m: RegExpExecArray): string;
  years(m: RegExpExecArray): number[];
}

const yearsIn = (parts: string[], index: number) => (/^\d{4}$/.test(parts[index] ?? '') ? [Number(parts[index])] : []);

const FORMATS: Record<CreditRegistry, Format> = {
  // 19381-941412555-941441125-VCS-VCU-1310-VER-CN-13-3005-01012022-31102022-0 (vintage start and end, DDMMYYYY)
  verra: {
    pattern: /^(\d+)-(\d+)-(\d+)-([A-Za-z0-9+-]+)$/,
    series: (m) => `${m[1]}-#-#-${m[4]}`,
    years: (m) => (m[4].match(/\b\d{4}(\d{4})-\d{4}(\d{4})\b/) ?? []).slice(1).map(Number),
  },
  // GS1-1-KE-GS11603-16-2025-30256-110-5463
  'gold-standard': {
    pattern: /^(GS[A-Za-z0-9-]+)-(\d+)-(\d+)$/,
    series: (m) => `${m[1]}-#-#`,
    years: (m) => yearsIn(m[1].split('-'), 5),
  },
  // PURO_PR_CORC100+_BO_432524_2026_<issuanceId>_1-12678
  puro: {
    pattern: /^(PURO_[A-Za-z0-9+_-]+)_(\d+)-(\d+)$/,
    series: (m) => `${m[1]}_#-#`,
    years: (m) => yearsIn(m[1].split('_'), 5),
  },
};

export function isCreditRegistry(value: string): value is CreditRegistry {
  return (CREDIT_REGISTRIES as readonly string[]).includes(value);
}

/** Parses a single-unit serial; throws a message naming what is wrong. */
export function parseUnitSerial(registry: CreditRegistry, serial: string): ParsedUnitSerial {
  const format = FORMATS[registry];
  const m = format.pattern.exec(serial);
  if (!m) throw new Error(`"${serial}" is not a ${registry} serial`);
  const [first, last] = [m[2], m[3]];
  if (BigInt(first) !== BigInt(last)) throw new Error(`"${serial}" names units ${first} to ${last}; give one unit's serial (start = end)`);
  return { series: format.series(m), unit: BigInt(first), width: first.length > 1 && first.startsWith('0') ? first.length : 0, years: format.years(m) };
}

/** The single-unit serial of `unit` in the block that starts with `serialStart`. */
export function unitSerial(registry: CreditRegistry, serialStart: string, unit: bigint): string {
  const { series, width } = parseUnitSerial(registry, serialStart);
  const digits = width > 0 ? unit.toString().padStart(width, '0') : unit.toString();
  return series.replace('#', digits).replace('#', digits);
}
