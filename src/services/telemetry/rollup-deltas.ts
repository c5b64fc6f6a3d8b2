import type { EntityManager } from 'typeorm';
import { formatFixed } from './fixed-decimal';

export interface RollupKey { orgId: string; projectId: string; id: string; provider: string; model: string; day: string; version: string }

interface RollupDelta { key: RollupKey; tokens: number[]; requests: number; events: number; emissions: bigint[] }

/** Sums signed deltas per rollup row in memory (exactly: emissions are scaled integers) before one upsert. */
export class RollupAccumulator {
  private readonly byKey = new Map<string, RollupDelta>();

  add(key: RollupKey, tokens: number[], requests: number, events: number, emissions: bigint[]): void {
    const k = `${key.projectId}|${key.id}|${key.provider}|${key.model}|${key.day}|${key.version}`;
    const d = this.byKey.get(k);
    if (!d) { this.byKey.set(k, { key, tokens: [...tokens], requests, events, emissions: [...emissions] }); return; }
    tokens.forEach((t, i) => { d.tokens[i] += t; });
    emissions.forEach((e, i) => { d.emissions[i] += e; });
    d.requests += requests;
    d.events += events;
  }

  rows(): RollupDelta[] {
    return [...this.byKey.values()];
  }
}

const SUMS = ['requests', 'input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens', 'event_count',
  'energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'];
const SUM_TYPES = ['bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'int', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric', 'numeric'];
const ADD_ON_CONFLICT = (table: string) => SUMS.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(', ');

const sumColumns = (deltas: RollupDelta[]): unknown[] => [
  deltas.map((d) => d.requests), ...[0, 1, 2, 3, 4].map((i) => deltas.map((d) => d.tokens[i])), deltas.map((d) => d.events),
  ...[0, 1, 2, 3, 4, 5].map((i) => deltas.map((d) => formatFixed(d.emissions[i]))),
];

const byKey = (a: RollupDelta, b: RollupDelta) => {
  const ka = `${a.key.model}|${a.key.day}|${a.key.provider}|${a.key.version}`;
  const kb = `${b.key.model}|${b.key.day}|${b.key.provider}|${b.key.version}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** The same deltas summed over projects and connections, for the organization-wide table. */
function toOrgLevel(deltas: RollupDelta[]): RollupDelta[] {
  const acc = new RollupAccumulator();
  for (const d of deltas) acc.add({ ...d.key, projectId: '', id: '' }, d.tokens, d.requests, d.events, d.emissions);
  return acc.rows();
}

/** The organization-level deltas summed per month (`day` becomes the month's first day). */
function toMonthLevel(org: RollupDelta[]): RollupDelta[] {
  const acc = new RollupAccumulator();
  for (const d of org) acc.add({ ...d.key, day: `${d.key.day.slice(0, 7)}-01` }, d.tokens, d.requests, d.events, d.emissions);
  return acc.rows().sort(byKey);
}

/** The organization-level deltas summed per day over every model. */
function toDayTotals(org: RollupDelta[]): RollupDelta[] {
  const acc = new RollupAccumulator();
  for (const d of org) acc.add({ ...d.key, provider: '', model: '', version: '' }, d.tokens, d.requests, d.events, d.emissions);
  return acc.rows().sort(byKey);
}

/**
 * Adds the summed deltas to every rollup table (daily per connection, daily, monthly and per-day per
 * organization), each in a stable order and the tables always in this order, so concurrent ingests never
 * deadlock: two connections of one organization share rows of the organization-wide tables and wait for each
 * other instead.
 */
export async function applyRollupDeltas(tx: EntityManager, deltas: RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  deltas.sort(byKey);
  const sumParams = SUM_TYPES.map((t, i) => `$${i + 8}::${t}[]`).join(', ');
  await tx.query(
    `INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, ${SUMS.join(', ')})
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], ${sumParams})
     ON CONFLICT ON CONSTRAINT usage_rollups_key DO UPDATE SET ${ADD_ON_CONFLICT('usage_rollups')}`,
    [deltas.map((d) => d.key.orgId), deltas.map((d) => d.key.projectId), deltas.map((d) => d.key.id), deltas.map((d) => d.key.provider),
      deltas.map((d) => d.key.model), deltas.map((d) => d.key.day), deltas.map((d) => d.key.version), ...sumColumns(deltas)],
  );
  const org = toOrgLevel(deltas).sort(byKey);
  const orgSumParams = SUM_TYPES.map((t, i) => `$${i + 6}::${t}[]`).join(', ');
  await tx.query(
    `INSERT INTO usage_rollups_org (org_id, provider, model, day, factor_version, ${SUMS.join(', ')})
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], ${orgSumParams})
     ON CONFLICT (org_id, day, provider, model, factor_version) DO UPDATE SET ${ADD_ON_CONFLICT('usage_rollups_org')}`,
    [org.map((d) => d.key.orgId), org.map((d) => d.key.provider), org.map((d) => d.key.model), org.map((d) => d.key.day), org.map((d) => d.key.version), ...sumColumns(org)],
  );
  const months = toMonthLevel(org);
  await tx.query(
    `INSERT INTO usage_rollups_org_monthly (org_id, provider, model, month, factor_version, ${SUMS.join(', ')})
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], ${orgSumParams})
     ON CONFLICT (org_id, month, provider, model, factor_version) DO UPDATE SET ${ADD_ON_CONFLICT('usage_rollups_org_monthly')}`,
    [months.map((d) => d.key.orgId), months.map((d) => d.key.provider), months.map((d) => d.key.model), months.map((d) => d.key.day), months.map((d) => d.key.version), ...sumColumns(months)],
  );
  const days = toDayTotals(org);
  const daySumParams = SUM_TYPES.map((t, i) => `$${i + 3}::${t}[]`).join(', ');
  await tx.query(
    `INSERT INTO usage_rollups_org_days (org_id, day, ${SUMS.join(', ')})
     SELECT * FROM unnest($1::uuid[], $2::date[], ${daySumParams})
     ON CONFLICT (org_id, day) DO UPDATE SET ${ADD_ON_CONFLICT('usage_rollups_org_days')}`,
    [days.map((d) => d.key.orgId), days.map((d) => d.key.day), ...sumColumns(days)],
  );
}
