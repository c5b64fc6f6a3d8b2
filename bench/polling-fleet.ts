import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Provider } from '../contracts/usage';
import type { ProviderKeyStore } from '../src/integrations/secrets';
import { seededRandom } from '../src/dev/seeded-random';
import { BENCH_KEY_PREFIX } from './polling-usage';

export interface FleetConnection { id: string; orgId: string; provider: Provider }
export interface Fleet { organizations: number; connections: FleetConnection[]; largestOrgId: string; largestOrgSize: number }


/**
 * Organization sizes of 1 to `maxPerOrg` connections, most small and a few large (size = 1 + max·r³, mean about a
 * quarter of the maximum), summing to exactly `total`. The first organization is a large one: the API probe reads its summary.
 */
export function organizationSizes(total: number, maxPerOrg: number, random: () => number): number[] {
  const sizes = [Math.min(maxPerOrg, total)];
  let left = total - sizes[0];
  while (left > 0) {
    const size = Math.min(left, 1 + Math.floor((maxPerOrg - 1) * random() ** 3));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** OpenAI 45 %, Anthropic 35 %, OpenRouter 20 % of connections. */
const pickProvider = (r: number): Provider => (r < 0.45 ? 'openai' : r < 0.8 ? 'anthropic' : 'openrouter');

async function inBatches<T>(items: T[], size: number, run: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await run(items.slice(i, i + size));
}

async function withConcurrency<T>(items: T[], lanes: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  }));
}

/**
 * Organizations with a default project each and `total` active connections whose keys sit in the secret store,
 * inserted in bulk. Each connection's cursor is an hour old, so its next poll reads the provider's usual re-poll
 * window (48 h OpenAI, 24 h Anthropic, 3 days OpenRouter) as a steady-state hourly poll does, not a 30-day backfill.
 */
export async function createFleet(ds: DataSource, keys: ProviderKeyStore, total: number, maxPerOrg: number): Promise<Fleet> {
  // Seeded by N, so two runs with the same N build the same mix.
  const random = seededRandom(total);
  const sizes = organizationSizes(total, maxPerOrg, random);
  const orgs: Array<{ id: string }> = await ds.query(
    `INSERT INTO organizations (clerk_org_id, name) SELECT 'org_bench_' || n, 'Bench org ' || n FROM generate_series(1, $1) AS n ORDER BY n RETURNING id`,
    [sizes.length],
  );
  await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) SELECT id, 'Default', 'default', true FROM organizations`);
  const projects = new Map<string, string>((await ds.query(`SELECT org_id, id FROM projects`) as Array<{ org_id: string; id: string }>).map((p) => [p.org_id, p.id]));

  const rows: Array<FleetConnection & { key: string; ref?: string }> = [];
  sizes.forEach((size, o) => {
    for (let i = 0; i < size; i++) {
      const provider = pickProvider(random());
      rows.push({ id: randomUUID(), orgId: orgs[o].id, provider, key: `${BENCH_KEY_PREFIX[provider]}${rows.length}-${randomBytes(12).toString('hex')}` });
    }
  });
  await withConcurrency(rows, 16, async (r) => { r.ref = await keys.putProviderKey({ orgId: r.orgId, connectionId: r.id, provider: r.provider }, r.key); });
  const cursor = new Date(Date.now() - 3_600_000);
  await inBatches(rows, 2_000, (batch) => ds.query(
    `INSERT INTO provider_connections (id, org_id, project_id, provider, name, secret_ref, key_hint, key_fingerprint, status, workflow_id, cursor)
     SELECT id, org_id, project_id, provider, provider || ' ' || right(key_hint, 4), secret_ref, key_hint, fingerprint, 'active', 'connection:' || id, $7
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $8::text[]) AS t(id, org_id, project_id, provider, secret_ref, key_hint, fingerprint)`,
    [batch.map((r) => r.id), batch.map((r) => r.orgId), batch.map((r) => projects.get(r.orgId)), batch.map((r) => r.provider), batch.map((r) => r.ref),
      batch.map((r) => r.key.slice(-4)), cursor, batch.map((r) => createHash('sha256').update(r.key).digest('hex'))],
  ));
  return { organizations: sizes.length, connections: rows.map(({ id, orgId, provider }) => ({ id, orgId, provider })), largestOrgId: orgs[0].id, largestOrgSize: sizes[0] };
}

export { withConcurrency };
