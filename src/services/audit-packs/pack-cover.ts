import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';

export interface CoverFacts {
  orgId: string;
  orgName: string;
  month: string;
  version: number;
  generatedAt: string;
  events: number;
  receipts: { period: number; adjustment: number };
  /** Exact decimal strings, as in disclosure.json. */
  co2eKg: { low: string; central: string; high: string };
  energyKwh: { low: string; central: string; high: string };
  factorVersions: string[];
  manifestSha256: string;
  keyId: string;
  periodStart: string;
  periodEnd: string;
}

// templates/ sits at the repository root, and beside dist/ in the image (Dockerfile copies both).
const TEMPLATE = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../../../templates' : '../../../templates', 'audit-pack', 'cover.ejs');

let compiled: ejs.TemplateFunction | undefined;

/** The cover page as one self-contained HTML document for Chromium's print-to-PDF. */
export function renderCoverHtml(facts: CoverFacts): string {
  compiled ??= ejs.compile(fs.readFileSync(TEMPLATE, 'utf8'), { filename: TEMPLATE });
  const group = (n: number) => n.toLocaleString('en-US');
  const total = facts.receipts.period + facts.receipts.adjustment;
  return compiled({
    c: {
      ...facts,
      events: group(facts.events),
      receipts: group(total),
      receiptKinds: total === 0 ? 'none issued for this month' : `${facts.receipts.period} period, ${facts.receipts.adjustment} adjustment`,
      hasUsage: facts.events > 0,
      factorVersions: facts.factorVersions.join(', ') || 'none',
    },
  });
}
