import type { QueryRunner } from 'typeorm';

const SUMS = `sum(coalesce(requests, 0)), sum(input_uncached), sum(input_cache_write), sum(input_cache_read), sum(output_tokens),
  sum(reasoning_tokens), count(*), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
  sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)`;
const SUM_COLUMNS = `requests, input_uncached, input_cache_write, input_cache_read, output_tokens, reasoning_tokens, event_count,
  energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high`;

const ORG_SUMS = `sum(requests), sum(input_uncached), sum(input_cache_write), sum(input_cache_read), sum(output_tokens), sum(reasoning_tokens),
  sum(event_count), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high), sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)`;

/** Recomputes the monthly and per-day organization rollups (migration 1764000000060) from the daily ones. */
export async function rebuildCoarseRollups(q: { query(sql: string): Promise<unknown> }): Promise<void> {
  await q.query(`
    DELETE FROM usage_rollups_org_monthly;
    DELETE FROM usage_rollups_org_days;
    INSERT INTO usage_rollups_org_monthly (org_id, month, provider, model, factor_version, ${SUM_COLUMNS})
      SELECT org_id, date_trunc('month', day)::date, provider, model, factor_version, ${ORG_SUMS}
      FROM usage_rollups_org GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO usage_rollups_org_days (org_id, day, ${SUM_COLUMNS})
      SELECT org_id, day, ${ORG_SUMS} FROM usage_rollups_org GROUP BY 1, 2;
  `);
}

/**
 * Recomputes every rollup table from usage_events (numeric sums, exact). For migrations that rewrite events in
 * bulk: cheaper and simpler to prove right than carrying deltas through a data repair. Migrations older than the
 * coarse rollups run before those tables exist, so they are rebuilt only when present.
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
  const [{ present }] = await q.query(`SELECT to_regclass('usage_rollups_org_monthly') IS NOT NULL AS present`);
  if (present) await rebuildCoarseRollups(q);
}
