import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Daily sums per (org, provider, model, factor version), without the project and connection dimensions:
 * an organization-wide summary reads ~10× fewer rows here than in usage_rollups (a year of 20 connections
 * is 70k rollup rows but 4k here). Kept current by ingestion in the same transaction.
 */
export class OrgDailyRollups1764000000002 implements MigrationInterface {
  name = 'OrgDailyRollups1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE usage_rollups_org (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        provider text NOT NULL,
        model text NOT NULL,
        day date NOT NULL,
        factor_version text NOT NULL REFERENCES carbon_factor_sets(version) ON DELETE RESTRICT,
        requests bigint NOT NULL DEFAULT 0,
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
        co2e_g_high numeric NOT NULL,
        PRIMARY KEY (org_id, day, provider, model, factor_version)
      );
      INSERT INTO usage_rollups_org
      SELECT org_id, provider, model, day, factor_version, sum(requests), sum(input_uncached), sum(input_cache_write), sum(input_cache_read),
        sum(output_tokens), sum(reasoning_tokens), sum(event_count), sum(energy_wh_central), sum(energy_wh_low), sum(energy_wh_high),
        sum(co2e_g_central), sum(co2e_g_low), sum(co2e_g_high)
      FROM usage_rollups GROUP BY org_id, provider, model, day, factor_version;
      -- Project- and connection-filtered reads of the detailed rollups.
      CREATE INDEX usage_rollups_org_project_day_idx ON usage_rollups (org_id, project_id, day);
      CREATE INDEX usage_rollups_org_connection_day_idx ON usage_rollups (org_id, connection_id, day);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX usage_rollups_org_connection_day_idx; DROP INDEX usage_rollups_org_project_day_idx; DROP TABLE usage_rollups_org;`);
  }
}
