import type { Disclosure, DisclosureLine } from '../../../contracts/disclosure';
import { csvField } from '../telemetry/export-format';
import { firstDay, lastDay } from './months';

/** reference/disclosure.md §10's columns, camelCase like the JSON keys. */
export const DISCLOSURE_CSV_COLUMNS = [
  'periodStart', 'periodEnd', 'orgId', 'scope', 'category', 'provider', 'model', 'modelTier', 'matchedModel', 'project', 'region',
  'gridBasis', 'ghgMethod', 'dataSource', 'activitySource', 'tokensPrefill', 'tokensDecode', 'tokensCached',
  'energyKwhLow', 'energyKwhCentral', 'energyKwhHigh', 'co2eKgLow', 'co2eKgCentral', 'co2eKgHigh', 'dqScore', 'factorVersion',
  'gridCiSource', 'receiptSerial',
] as const;

function row(doc: Disclosure, l: DisclosureLine): string {
  const text = (s: string) => csvField(s, true);
  return [
    firstDay(l.month), lastDay(l.month), doc.org.id, String(doc.classification.scope), String(doc.classification.category),
    text(l.provider), text(l.model), text(l.tier), String(l.matched), text(l.project), text(l.region),
    doc.method.gridBasis, doc.method.ghgProtocol, 'estimated', 'provider_usage_api',
    l.tokens.prefill, l.tokens.decode, l.tokens.cached,
    l.energyKwh.low, l.energyKwh.central, l.energyKwh.high, l.co2eKg.low, l.co2eKg.central, l.co2eKg.high,
    String(l.dqScore), text(l.factorVersion), text(l.gridCiSource), text(l.receipts.join(';')),
  ].join(',');
}

/**
 * The disclosure as CSV (RFC 4180, CRLF): one row per month x provider x model x project x region (and factor
 * version), decimals exactly as in the JSON, project and region `unassigned` when unknown, never blank; the rows of
 * a month sum to that month's totals. `receiptSerial` lists the month's receipts that signed the row's model (`;`).
 */
export function disclosureCsv(doc: Disclosure): string {
  return [DISCLOSURE_CSV_COLUMNS.join(','), ...doc.lines.map((l) => row(doc, l))].map((r) => `${r}\r\n`).join('');
}
