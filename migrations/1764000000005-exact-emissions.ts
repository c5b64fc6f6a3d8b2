import type { MigrationInterface, QueryRunner } from 'typeorm';
import { rebuildRollups } from './rebuild-rollups';

/**
 * At most 12 fraction digits (what ingestion's fixed-point sums hold), ties to even as the engine rounds (Postgres
 * `round` sends ties away from zero; figures are never negative), without trailing zeros as the engine writes
 * them. A no-op for v1.0, whose exact figures have at most 9 fraction digits for energy and 12 for CO2e.
 */
const figure = (v: string) => `trim_scale(CASE
  WHEN (${v}) * 1e12 - trunc((${v}) * 1e12) = 0.5 AND mod(trunc((${v}) * 1e12), 2) = 0 THEN trunc(${v}, 12)
  ELSE round(${v}, 12) END)`;

/**
 * The six figures of each row of `source` (id, factor_version, tier, provider and the token columns), from the
 * document of the row's own factor version, per bound b (0 central, 1 low, 2 high):
 *   energy = (prefill tokens × prefill[b] + cached × cached[b] + output × decode[b]) × PUE[b] / 1000
 *   co2e   = energy / 1000 × grid[b], from the unrounded energy
 * with the provider's PUE row (else `default`) and the `default` grid, as the engine selects them for ingestion.
 * jsonb numbers are `numeric`, so factors are the decimals written in the document; bigint × numeric and
 * numeric × numeric are exact; `* 0.001` rather than `/ 1000`, since numeric division rounds to a scale of its
 * choosing.
 */
const recomputed = (source: string) => `
  SELECT id, factor_version, array_agg(${figure('wh')} ORDER BY b) AS energy, array_agg(${figure('wh * 0.001 * grid')} ORDER BY b) AS co2e
  FROM (
    SELECT t.id, t.factor_version, b,
      ((t.input_uncached + t.input_cache_write) * (d.tier->'prefill'->>b)::numeric
        + t.input_cache_read * (d.tier->'cached'->>b)::numeric
        + t.output_tokens * (d.tier->'decode'->>b)::numeric) * (d.pue->>b)::numeric * 0.001 AS wh,
      (d.grid->>b)::numeric AS grid
    FROM (${source}) t
    JOIN carbon_factor_sets f ON f.version = t.factor_version
    CROSS JOIN LATERAL (SELECT f.document->'tiers'->t.tier AS tier, f.document->'grid'->'default' AS grid,
                               coalesce(f.document->'pue'->t.provider, f.document->'pue'->'default') AS pue) d
    CROSS JOIN generate_series(0, 2) AS b
  ) exact
  GROUP BY id, factor_version`;

const SET_FIGURES = `energy_wh_central = r.energy[1], energy_wh_low = r.energy[2], energy_wh_high = r.energy[3],
  co2e_g_central = r.co2e[1], co2e_g_low = r.co2e[2], co2e_g_high = r.co2e[3]`;

/**
 * Exact emission figures (usage integrity item 9). Ingestion used to compute in binary floating point and store 12
 * fraction digits of the result, so a figure could read 2304.429000000001 where the method gives 2304.429. Every
 * figure of usage_events and event_emissions is recomputed in `numeric` from the row's stored tokens, tier and
 * provider and the document of its own factor version, then the rollups are rebuilt as exact sums of the events.
 * Tiers are kept as stored: reclassifying models is not this migration's business.
 */
export class ExactEmissions1764000000005 implements MigrationInterface {
  name = 'ExactEmissions1764000000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE usage_events e SET ${SET_FIGURES}
      FROM (${recomputed(`SELECT id, factor_version, tier, provider, input_uncached, input_cache_write, input_cache_read, output_tokens
                          FROM usage_events`)}) r
      WHERE e.id = r.id`);
    // An event's figures under other versions: its tokens and provider, that version's tier and document.
    await q.query(`
      UPDATE event_emissions ee SET ${SET_FIGURES}
      FROM (${recomputed(`SELECT m.event_id AS id, m.factor_version, m.tier, e.provider, e.input_uncached, e.input_cache_write, e.input_cache_read, e.output_tokens
                          FROM event_emissions m JOIN usage_events e ON e.id = m.event_id`)}) r
      WHERE ee.event_id = r.id AND ee.factor_version = r.factor_version`);
    await rebuildRollups(q);
  }

  async down(_q: QueryRunner): Promise<void> {
    // Nothing to restore: the float figures differed from these only by binary rounding noise.
  }
}
