import { createHash } from 'node:crypto';
import { compareDecimals, parseDecimal } from '../../emissions/exact-decimal';
import { CREDIT_REGISTRIES, GRAMS_PER_TONNE, isCreditRegistry, parseUnitSerial, type CreditRegistry } from './credit-serials';
import { CsvSyntaxError, parseCsv } from './csv';

export const INVENTORY_HEADER = ['registry', 'project', 'vintage', 'serial_start', 'serial_end', 'tonnes', 'retired_on', 'retirement_reference'] as const;

/** A file the loader refuses as a whole; the message names the line. */
export class InventoryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryFileError';
  }
}

export interface InventoryRow {
  line: number;
  registry: CreditRegistry;
  project: string;
  vintage: number;
  serialStart: string;
  serialEnd: string;
  series: string;
  unitStart: bigint;
  unitEnd: bigint;
  tonnes: string;
  capacityG: bigint;
  retiredOn: string;
  retirementReference: string;
}

export interface InventoryFile {
  sha256: string;
  rows: InventoryRow[];
}

const PLAIN = /^[^\p{Cc}\p{Cs}]*$/u;
const TONNES = /^\d+(\.\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isCalendarDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

function parseRow(line: number, fields: string[], today: string): InventoryRow {
  const fail = (message: string): never => { throw new InventoryFileError(`line ${line}: ${message}`); };
  if (fields.length !== INVENTORY_HEADER.length) fail(`${fields.length} fields, expected ${INVENTORY_HEADER.length} (${INVENTORY_HEADER.join(',')})`);
  const v = Object.fromEntries(INVENTORY_HEADER.map((name, i) => [name, fields[i].trim()])) as Record<(typeof INVENTORY_HEADER)[number], string>;
  for (const name of INVENTORY_HEADER) {
    if (!v[name]) fail(`${name} is empty${name === 'retired_on' || name === 'retirement_reference' ? ': only credits already retired on their registry are loaded' : ''}`);
    if (!PLAIN.test(v[name])) fail(`${name} contains control characters`);
  }
  if (!isCreditRegistry(v.registry)) fail(`registry "${v.registry}" is not one of ${CREDIT_REGISTRIES.join(', ')}`);
  const registry = v.registry as CreditRegistry;
  if (!/^\d{4}$/.test(v.vintage) || Number(v.vintage) < 1990 || Number(v.vintage) > 2100) fail(`vintage "${v.vintage}" is not a year`);
  const vintage = Number(v.vintage);

  const parse = (column: 'serial_start' | 'serial_end') => {
    try {
      return parseUnitSerial(registry, v[column]);
    } catch (err) {
      return fail(`${column}: ${(err as Error).message}`);
    }
  };
  const first = parse('serial_start');
  const last = parse('serial_end');
  if (first.series !== last.series) fail('serial_start and serial_end are not in the same block (they differ outside the unit numbers)');
  if (last.unit < first.unit) fail(`serial_end's unit ${last.unit} comes before serial_start's unit ${first.unit}`);
  if (first.years.length > 0 && !first.years.includes(vintage)) fail(`vintage ${vintage} is not the serial's vintage (${first.years.join('-')})`);

  // Verra, Gold Standard and Puro ranges are inclusive, one tonne per unit (credits.md §7 invariant 8).
  if (!TONNES.test(v.tonnes)) fail(`tonnes "${v.tonnes}" is not a positive decimal number`);
  const units = last.unit - first.unit + 1n;
  if (compareDecimals(parseDecimal(v.tonnes), { units, scale: 0 }) !== 0) {
    fail(`tonnes ${v.tonnes} does not match the serial range: units ${first.unit} to ${last.unit} are ${units} tonnes`);
  }

  if (!isCalendarDate(v.retired_on)) fail(`retired_on "${v.retired_on}" is not a date (YYYY-MM-DD)`);
  if (v.retired_on > today) fail(`retired_on ${v.retired_on} is in the future: only credits already retired are loaded`);
  if (v.project.length > 300 || v.retirement_reference.length > 300) fail('project and retirement_reference are limited to 300 characters');

  return {
    line, registry, project: v.project, vintage, serialStart: v.serial_start, serialEnd: v.serial_end, series: first.series,
    unitStart: first.unit, unitEnd: last.unit, tonnes: units.toString(), capacityG: units * BigInt(GRAMS_PER_TONNE),
    retiredOn: v.retired_on, retirementReference: v.retirement_reference,
  };
}

/** Parses and checks a whole inventory file (header, every row, overlaps within the file); throws on the first fault. */
export function parseInventoryFile(bytes: Buffer, now: Date): InventoryFile {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InventoryFileError('the file is not UTF-8 text');
  }
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new InventoryFileError(err.message);
    throw err;
  }
  const [header, ...data] = records;
  if (!header || header.fields.map((f) => f.trim()).join(',') !== INVENTORY_HEADER.join(',')) {
    throw new InventoryFileError(`line 1: the header must be ${INVENTORY_HEADER.join(',')}`);
  }
  if (data.length === 0) throw new InventoryFileError('the file has no rows after its header');
  const today = now.toISOString().slice(0, 10);
  const rows = data.map((r) => parseRow(r.line, r.fields, today));

  const sorted = [...rows].sort((a, b) => a.registry.localeCompare(b.registry) || a.series.localeCompare(b.series) || (a.unitStart < b.unitStart ? -1 : a.unitStart > b.unitStart ? 1 : 0));
  for (let i = 1; i < sorted.length; i += 1) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (a.registry === b.registry && a.series === b.series && b.unitStart <= a.unitEnd) {
      const [early, late] = a.line < b.line ? [a, b] : [b, a];
      throw new InventoryFileError(`line ${late.line}: serial range overlaps line ${early.line} of this file (${late.serialStart} .. ${late.serialEnd})`);
    }
  }
  return { sha256, rows };
}
