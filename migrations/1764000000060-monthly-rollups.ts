import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildCoarseRollups } from './rebuild-rollups';

const SUMS = `requests bigint NOT NULL DEFAULT 0,
        input_uncached bigint NOT NULL DEFAULT 0,
        input_cache_write bigint NOT NULL DEFAULT 0,
        input_cache_read bigint NOT NULL DEFAULT 0,
        output_tokens bigint NOT NULL DEFAULT 0,
        reasoning_tokens bigint NOT NULL DEFAULT 0,
        event_count int NOT NULL DEFAULT 0,
        energy_wh_central numeric NOT NULL,
        energy_wh_low numeric NOT NULL,
        energy_wh_high numeric NOT NULL,
        co2e_g_central numeric NOT NULL,
        co2e_g_low numeric NOT NULL,
        co2e_g_high numeric NOT NULL`;

/**
 * Two coarser organization-wide rollups, kept current by ingestion in the same transaction as the daily ones:
 * - `usage_rollups_org_monthly`: per (org, month, provider, model, factor version). A year's summary reads 12
 *   months of model lines instead of 365 days of them; only the partial months at a range's edges read days.
 * - `usage_rollups_org_days`: per (org, day), all models together. The summary's daily chart reads 365 rows for a
 *   year instead of grouping 365 × models rows.
 */
export class MonthlyRollups1764000000060 implements MigrationInterface {
  name = 'MonthlyRollups1764000000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usage_rollups_org_monthly (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        provider text NOT NULL,
        model text NOT NULL,
        factor_version text NOT NULL REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT,
        ${SUMS},
        PRIMARY KEY (org_id, month, provider, model, factor_version)
      );
      CREATE TABLE usage_rollups_org_days (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        day date NOT NULL,
        ${SUMS},
        PRIMARY KEY (org_id, day)
      );
    `);
    await rebuildCoarseRollups(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE usage_rollups_org_days, usage_rollups_org_monthly`);
  }
}
