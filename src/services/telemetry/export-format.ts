import type { UsageEvent } from '../../../contracts/telemetry';

export const CSV_COLUMNS = [
  'event_id', 'bucket_start', 'bucket_end', 'provider', 'model', 'connection_id', 'project_id', 'grouping', 'requests',
  'input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens', 'revision', 'factor_version', 'tier',
  'energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high',
] as const;

/**
 * One RFC 4180 field. Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
 * prefixed with `'` (OWASP CSV injection); numbers are ours and never need it.
 */
export function csvField(value: string | number | null, isText = false): string {
  if (value === null) return '';
  let text = String(value);
  if (isText && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

export function csvRow(e: UsageEvent): string {
  return [
    csvField(e.id), csvField(e.bucketStart), csvField(e.bucketEnd), csvField(e.provider), csvField(e.model, true), csvField(e.connectionId),
    csvField(e.projectId), csvField(e.grouping, true), csvField(e.requests), csvField(e.tokens.inputUncached), csvField(e.tokens.inputCacheWrite),
    csvField(e.tokens.inputCacheRead), csvField(e.tokens.output), csvField(e.tokens.reasoning), csvField(e.revision), csvField(e.factorVersion),
    csvField(e.tier), csvField(e.energyWh.central), csvField(e.energyWh.low), csvField(e.energyWh.high), csvField(e.co2eG.central),
    csvField(e.co2eG.low), csvField(e.co2eG.high),
  ].join(',') + '\r\n';
}
