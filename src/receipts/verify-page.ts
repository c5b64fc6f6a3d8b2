import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

/** What the public verify page shows: the JSON answer's fields plus, for an invalid receipt, why. */
export interface VerifyPageInput {
  valid: boolean;
  serial: string;
  period: { start: string; end: string };
  issuedAt: string;
  keyId: string;
  reasons: string[];
  /** Present only with the right code: the stored payload (possibly tampered, so read defensively). */
  payload?: unknown;
  log?: { index: number; treeSize: number } | null;
}

// templates/ sits at the repository root, and beside dist/ in the image (Dockerfile copies both).
const TEMPLATES = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../templates' : '../../templates');

let compiled: ejs.TemplateFunction | undefined;
const template = (): ejs.TemplateFunction => {
  const file = path.join(TEMPLATES, 'verify.ejs');
  compiled ??= ejs.compile(fs.readFileSync(file, 'utf8'), { filename: file });
  return compiled;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const bounds = (v: unknown) => (isObject(v) ? { low: text(v.low), central: text(v.central), high: text(v.high) } : { low: '', central: '', high: '' });
const day = (instant: string) => instant.slice(0, 10);
/** The period is [start, end): its last day is the one before `end`. */
const lastDay = (end: string) => (Number.isNaN(Date.parse(end)) ? end : new Date(Date.parse(end) - 1).toISOString().slice(0, 10));

/** Sum of non-negative decimals of at most 6 fraction digits (tonnes to the gram), exactly. */
function sumTonnes(values: string[]): string {
  const micro = values.reduce((sum, s) => {
    const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(s);
    return m ? sum + BigInt(m[1] + (m[2] ?? '').padEnd(6, '0')) : sum;
  }, 0n);
  const int = micro / 1_000_000n;
  const frac = (micro % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${int}.${frac}` : `${int}`;
}

function creditsOf(c: unknown) {
  if (!isObject(c)) return null;
  const retirements = (Array.isArray(c.retirements) ? c.retirements : []).filter(isObject).map((r) => ({
    registry: text(r.registry), project: text(r.project), vintage: text(r.vintage), serialStart: text(r.serialStart), serialEnd: text(r.serialEnd),
    tonnes: text(r.tonnes), retiredOn: text(r.retiredOn), retirementReference: text(r.retirementReference),
  }));
  const shortfallTonnes = text(c.shortfallTonnes);
  return {
    requiredTonnes: text(c.requiredTonnes), retirements, shortfallTonnes,
    // Retired is what the retirement records add up to; a shortfall is never counted in it.
    retiredTonnes: sumTonnes(retirements.map((r) => r.tonnes)),
    hasShortfall: shortfallTonnes !== '' && shortfallTonnes !== '0',
  };
}

/** The verify page for browsers: one self-contained document (inline CSS, no script, no external asset), every value escaped by EJS. */
export function renderVerifyPage(input: VerifyPageInput): string {
  const p = isObject(input.payload) ? input.payload : null;
  const totals = p && isObject(p.totals) ? { co2eKg: bounds(p.totals.co2eKg), energyKwh: bounds(p.totals.energyKwh) } : null;
  return template()({
    v: {
      found: true, valid: input.valid, serial: input.serial, reasons: input.reasons.length ? input.reasons : ['the receipt does not verify'],
      period: { start: input.period.start, end: input.period.end, first: day(input.period.start), last: lastDay(input.period.end) },
      issuedAt: input.issuedAt, keyId: input.keyId, log: input.log ?? null,
      kind: p ? text(p.kind) : null, adjusts: p ? text(p.adjusts) : null,
      organization: p && isObject(p.organization) ? text(p.organization.name) : null,
      totals, credits: p ? creditsOf(p.credits) : null,
    },
  });
}

/** The page for a serial no receipt has (served with 404). */
export function renderVerifyNotFoundPage(serial: string): string {
  return template()({ v: { found: false, serial } });
}
