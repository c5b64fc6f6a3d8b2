import { Column } from 'typeorm';

/** Energy and CO2e with bounds, as numeric columns (strings in JS): shared by events, emissions and rollups. */
export abstract class EmissionColumns {
  @Column({ name: 'energy_wh_central', type: 'numeric' }) energyWhCentral: string;
  @Column({ name: 'energy_wh_low', type: 'numeric' }) energyWhLow: string;
  @Column({ name: 'energy_wh_high', type: 'numeric' }) energyWhHigh: string;
  @Column({ name: 'co2e_g_central', type: 'numeric' }) co2eGCentral: string;
  @Column({ name: 'co2e_g_low', type: 'numeric' }) co2eGLow: string;
  @Column({ name: 'co2e_g_high', type: 'numeric' }) co2eGHigh: string;
}

/** Daily sums of a rollup row: token classes, requests, event count and emissions. */
export abstract class RollupSums extends EmissionColumns {
  @Column({ type: 'bigint', default: 0 }) requests: string;
  @Column({ name: 'input_uncached', type: 'bigint', default: 0 }) inputUncached: string;
  @Column({ name: 'input_cache_write', type: 'bigint', default: 0 }) inputCacheWrite: string;
  @Column({ name: 'input_cache_read', type: 'bigint', default: 0 }) inputCacheRead: string;
  @Column({ name: 'output_tokens', type: 'bigint', default: 0 }) outputTokens: string;
  @Column({ name: 'reasoning_tokens', type: 'bigint', default: 0 }) reasoningTokens: string;
  @Column({ name: 'event_count', type: 'int', default: 0 }) eventCount: number;
}
