import type { QueryRunner } from 'typeorm';

const SUMS = `sum(coalesce(requests, 0)), sum(input_uncached), sum(input_cache_write), sum(input_cache_read), sum(output_tokens),
  sum(reasoning_tokens), count(*), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
  sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)`;
const SUM_COLUMNS = `requests, input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens, event_count,
  energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high`;

/**
 * Recomputes both daily rollup tables from usage_events (numeric sums, exact). For migrations that rewrite
 * events in bulk: cheaper and simpler to prove right than carrying deltas through a data repair.
 */
export async function rebuildRollups(q: QueryRunner): Promise<void> {
  await q.query(`
    DELETE FROM usage_rollups;
    DELETE FROM usage_rollups_org;
    INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, ${SUM_COLUMNS})
      SELECT org_id, project_id, connection_id, provider, model, (bucket_start AT TIME ZONE 'UTC')::date, factor_version, ${SUMS}
      FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO usage_rollups_org (org_id, provider, model, day, factor_version, ${SUM_COLUMNS})
      SELECT org_id, provider, model, (bucket_start AT TIME ZONE 'UTC')::date, factor_version, ${SUMS}
      FROM usage_events GROUP BY 1, 2, 3, 4, 5;
  `);
}
