import type { EntityManager } from 'typeorm';

export interface RollupDelta {
  orgId: string; projectId: string; connectionId: string; provider: string; model: string; day: string; version: string;
  tokens: { inputUncached: number; inputCacheWrite: number; inputCacheRead: number; outputTokens: number; reasoningTokens: number };
  requests: number;
  events: number;
  /** energy central/low/high, co2e central/low/high as decimal strings (negative to subtract). */
  emissions: string[];
}

/**
 * Adds signed deltas to the daily rollups. Summing happens in SQL `numeric`, so subtracting an old value and
 * adding a new one is exact: a corrected bucket moves the totals by exactly its difference.
 */
export async function applyRollupDeltas(tx: EntityManager, deltas: RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const col = <T>(f: (d: RollupDelta) => T) => deltas.map(f);
  await tx.query(
    `INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, requests, input_uncached,
       input_cache_write, input_cache_read, output_tokens, reasoning_tokens, event_count,
       energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
     SELECT org_id, project_id, connection_id, provider, model, day, factor_version, sum(requests), sum(iu), sum(icw), sum(icr), sum(ot), sum(rt), sum(ev),
       sum(ewc), sum(ewl), sum(ewh), sum(cgc), sum(cgl), sum(cgh)
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[],
       $11::bigint[], $12::bigint[], $13::bigint[], $14::int[], $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[], $20::numeric[])
       AS d(org_id, project_id, connection_id, provider, model, day, factor_version, requests, iu, icw, icr, ot, rt, ev, ewc, ewl, ewh, cgc, cgl, cgh)
     GROUP BY org_id, project_id, connection_id, provider, model, day, factor_version
     ORDER BY org_id, project_id, connection_id, model, day, factor_version
     ON CONFLICT ON CONSTRAINT usage_rollups_key DO UPDATE SET
       requests = usage_rollups.requests + EXCLUDED.requests,
       input_uncached = usage_rollups.input_uncached + EXCLUDED.input_uncached,
       input_cache_write = usage_rollups.input_cache_write + EXCLUDED.input_cache_write,
       input_cache_read = usage_rollups.input_cache_read + EXCLUDED.input_cache_read,
       output_tokens = usage_rollups.output_tokens + EXCLUDED.output_tokens,
       reasoning_tokens = usage_rollups.reasoning_tokens + EXCLUDED.reasoning_tokens,
       event_count = usage_rollups.event_count + EXCLUDED.event_count,
       energy_wh_central = usage_rollups.energy_wh_central + EXCLUDED.energy_wh_central,
       energy_wh_low = usage_rollups.energy_wh_low + EXCLUDED.energy_wh_low,
       energy_wh_high = usage_rollups.energy_wh_high + EXCLUDED.energy_wh_high,
       co2e_g_central = usage_rollups.co2e_g_central + EXCLUDED.co2e_g_central,
       co2e_g_low = usage_rollups.co2e_g_low + EXCLUDED.co2e_g_low,
       co2e_g_high = usage_rollups.co2e_g_high + EXCLUDED.co2e_g_high`,
    [
      col((d) => d.orgId), col((d) => d.projectId), col((d) => d.connectionId), col((d) => d.provider), col((d) => d.model), col((d) => d.day), col((d) => d.version),
      col((d) => d.requests), col((d) => d.tokens.inputUncached), col((d) => d.tokens.inputCacheWrite), col((d) => d.tokens.inputCacheRead),
      col((d) => d.tokens.outputTokens), col((d) => d.tokens.reasoningTokens), col((d) => d.events),
      ...[0, 1, 2, 3, 4, 5].map((i) => col((d) => d.emissions[i])),
    ],
  );
}
