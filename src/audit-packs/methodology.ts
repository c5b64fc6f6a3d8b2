import fs from 'node:fs';
import ejs from 'ejs';
import type { FactorSetDocument, FactorTriple } from '../../contracts/emissions';
import { fromJsonNumber, toCanonicalString } from '../emissions/exact-decimal';
import { auditPackTemplatePath } from './templates';

/**
 * methodology.md of an audit pack: the formula, how bounds are built, the factor tables, PUE, grid, glob rules and
 * sources of every factor set the pack uses, and the limitations, rendered from templates/audit-pack/methodology.md.ejs.
 */
export interface MethodologyInput {
  /** The factor sets the month's figures use (one section each, by version). */
  factorSets: readonly FactorSetDocument[];
  month: string;
  org: { id: string; name: string };
  generatedAt: Date | string;
}

const TEMPLATE = auditPackTemplatePath('methodology.md.ejs');
let compiled: ejs.TemplateFunction | undefined;

/**
 * `<%= %>` writes text into Markdown: characters Markdown would read as formatting, links or table cells are
 * backslash-escaped, and line breaks become spaces (an organisation's name cannot add a heading or a link).
 */
export function escapeMarkdown(value: unknown): string {
  return String(value).replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|#~!]/g, '\\$&');
}

/** A source reference: a web address as an autolink (it holds no space or angle bracket), anything else as text. */
export function reference(ref: string): string {
  return /^https?:\/\/[^\s<>]+$/.test(ref) ? `<${ref}>` : escapeMarkdown(ref);
}

/** An inline code span that holds any text: a fence longer than any backtick run inside, pipes escaped for tables. */
export function code(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const padded = value.startsWith('`') || value.endsWith('`') ? ` ${value} ` : value;
  return `${fence}${padded.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')}${fence}`;
}

/** A factor as the decimal it was written as (as the engine reads it); `[central, low, high]` → low, central, high. */
const bounds = (t: FactorTriple) => [t[1], t[0], t[2]].map((n) => toCanonicalString(fromJsonNumber(n)));

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
function monthLabel(month: string): string {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`month must be YYYY-MM, got ${JSON.stringify(month)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)).toLocaleString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function view(doc: FactorSetDocument) {
  return {
    name: doc.name, version: doc.version, validFrom: doc.validFrom, units: doc.units,
    tiers: Object.entries(doc.tiers).map(([tier, f]) => ({ tier, prefill: bounds(f.prefill), decode: bounds(f.decode), cached: bounds(f.cached) })),
    pue: Object.entries(doc.pue).map(([key, t]) => ({ key, values: bounds(t) })),
    grid: Object.entries(doc.grid).map(([key, t]) => ({ key, values: bounds(t) })),
    embodiedUplift: bounds(doc.embodiedUplift),
    rules: doc.rules,
    sources: doc.sources,
  };
}

export function renderMethodology(input: MethodologyInput): string {
  if (input.factorSets.length === 0) throw new RangeError('a methodology needs at least one factor set');
  compiled ??= ejs.compile(fs.readFileSync(TEMPLATE, 'utf8'), { filename: TEMPLATE, escape: escapeMarkdown });
  const factorSets = [...input.factorSets].sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true })).map(view);
  const generatedAt = typeof input.generatedAt === 'string' ? new Date(input.generatedAt) : input.generatedAt;
  if (Number.isNaN(generatedAt.getTime())) throw new RangeError('generatedAt is not a valid instant');
  return compiled({ org: input.org, monthLabel: monthLabel(input.month), generatedAt: generatedAt.toISOString(), factorSets, code, reference });
}
