import type { Bounds } from '../../../contracts/estimate';
import type { Totals } from '../../../contracts/telemetry';
import { formatFixed, parseFixed } from './fixed-decimal';

/** The aggregate columns every telemetry query selects, as SQL. */
export const SUM_COLUMNS = `sum(requests)::text AS requests, sum(event_count)::text AS events,
  sum(input_uncached)::text AS input_uncached, sum(input_cache_write)::text AS input_cache_write, sum(input_cache_read)::text AS input_cache_read,
  sum(output_tokens)::text AS output_tokens, sum(reasoning_tokens)::text AS reasoning_tokens,
  sum(energy_wh_central)::text AS ewc, sum(energy_wh_low)::text AS ewl, sum(energy_wh_high)::text AS ewh,
  sum(co2e_g_central)::text AS cgc, sum(co2e_g_low)::text AS cgl, sum(co2e_g_high)::text AS cgh`;

const COUNT_KEYS = ['requests', 'events', 'input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens'] as const;
const DECIMAL_KEYS = ['ewc', 'ewl', 'ewh', 'cgc', 'cgl', 'cgh'] as const;

/** Exact running sums (BigInt) of aggregate rows, rendered as the contract's strings. */
export class TotalsAccumulator {
  private counts = COUNT_KEYS.map(() => 0n);
  private decimals = DECIMAL_KEYS.map(() => 0n);

  add(row: Record<string, string | null>): this {
    COUNT_KEYS.forEach((k, i) => { this.counts[i] += BigInt(row[k] ?? '0'); });
    DECIMAL_KEYS.forEach((k, i) => { this.decimals[i] += parseFixed(row[k] ?? '0'); });
    return this;
  }

  get inputTokens(): bigint { return this.counts[2] + this.counts[3] + this.counts[4]; }
  get cacheReadTokens(): bigint { return this.counts[4]; }

  toTotals(): Totals {
    const [requests, events, iu, icw, icr, out, reasoning] = this.counts.map(String);
    const d = this.decimals.map((v) => trimDecimal(formatFixed(v)));
    const bounds = (i: number): Bounds => ({ central: d[i], low: d[i + 1], high: d[i + 2] });
    return { requests, events, tokens: { inputUncached: iu, inputCacheWrite: icw, inputCacheRead: icr, output: out, reasoning }, energyWh: bounds(0), co2eG: bounds(3) };
  }
}

/** `1.500000000000` → `1.5`, `2.000` → `2`: exact, just shorter. */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** a / b as a decimal string with 6 digits (0 when b is 0). */
export function ratio(a: bigint, b: bigint): string {
  if (b === 0n) return '0';
  const scaled = (a * 1_000_000n) / b;
  return trimDecimal(`${scaled / 1_000_000n}.${(scaled % 1_000_000n).toString().padStart(6, '0')}`);
}
