import type { EntityManager } from 'typeorm';
import { formatFixed } from './fixed-decimal';

export interface RollupKey { orgId: string; projectId: string; id: string; provider: string; model: string; day: string; version: string }

interface RollupDelta { key: RollupKey; tokens: number[]; requests: number; events: number; emissions: bigint[] }

/** Sums signed deltas per rollup row in memory (exactly: emissions are scaled integers) before one upsert. */
export class RollupAccumulator {
  private readonly byKey = new Map<string, RollupDelta>();

  add(key: RollupKey, tokens: number[], requests: number, events: number, emissions: bigint[]): void {
    const k = `${key.projectId}|${key.id}|${key.model}|${key.day}|${key.version}`;
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

/** Adds the summed deltas to the daily rollups in one statement (in a stable order, so concurrent ingests of different connections never deadlock). */
export async function applyRollupDeltas(tx: EntityManager, deltas: RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  deltas.sort((a, b) => (a.key.model < b.key.model ? -1 : a.key.model > b.key.model ? 1 : a.key.day < b.key.day ? -1 : a.key.day > b.key.day ? 1 : 0));
  const col = <T>(f: (d: RollupDelta) => T) => deltas.map(f);
  const sums = ['requests', 'input_uncached', 'input_cache_write', 'input_cache_read', 'output_tokens', 'reasoning_tokens', 'event_count',
    'energy_wh_central', 'energy_wh_low', 'energy_wh_high', 'co2e_g_central', 'co2e_g_low', 'co2e_g_high'];
  await tx.query(
    `INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, ${sums.join(', ')})
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::date[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[],
       $11::bigint[], $12::bigint[], $13::bigint[], $14::int[], $15::numeric[], $16::numeric[], $17::numeric[], $18::numeric[], $19::numeric[], $20::numeric[])
     ON CONFLICT ON CONSTRAINT usage_rollups_key DO UPDATE SET ${sums.map((c) => `${c} = usage_rollups.${c} + EXCLUDED.${c}`).join(', ')}`,
    [
      col((d) => d.key.orgId), col((d) => d.key.projectId), col((d) => d.key.id), col((d) => d.key.provider), col((d) => d.key.model), col((d) => d.key.day),
      col((d) => d.key.version), col((d) => d.requests), ...[0, 1, 2, 3, 4].map((i) => col((d) => d.tokens[i])), col((d) => d.events),
      ...[0, 1, 2, 3, 4, 5].map((i) => col((d) => formatFixed(d.emissions[i]))),
    ],
  );
}
