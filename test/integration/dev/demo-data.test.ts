import { createHash, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { demoConnectionId, generateDemoBuckets, seedDemoData, type DemoDataResult } from '../../../src/dev/demo-data';

const NOW = new Date('2026-11-26T10:17:00Z');
const HOUR_MS = 3_600_000;

let ds: DataSource;
let orgId: string;
let first: DemoDataResult;
const logged: string[] = [];

/** A fresh organization with its default project, as OrganizationService.resolve creates it. */
async function createOrganization(): Promise<string> {
  const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ($1, 'Demo test') RETURNING id`, [`demo_${randomUUID()}`]);
  await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true)`, [org.id]);
  return org.id;
}

/** Everything a re-run must leave as it was: row counts and the rollup totals the dashboard reads. */
async function snapshot(org: string) {
  const [counts] = await ds.query(
    `SELECT (SELECT count(*)::int FROM projects WHERE org_id = $1) AS projects,
            (SELECT count(*)::int FROM provider_connections WHERE org_id = $1) AS connections,
            (SELECT count(*)::int FROM usage_events WHERE org_id = $1) AS events,
            (SELECT count(*)::int FROM usage_events WHERE org_id = $1 AND revision > 1) AS revised,
            (SELECT count(*)::int FROM usage_rollups WHERE org_id = $1) AS rollup_rows`, [org]);
  const rollups = await ds.query(
    `SELECT provider, sum(requests)::text AS requests, sum(input_uncached)::text AS iu, sum(input_cache_write)::text AS icw,
            sum(input_cache_read)::text AS icr, sum(output_tokens)::text AS ot, sum(reasoning_tokens)::text AS rt, sum(event_count)::int AS events,
            sum(energy_wh_central)::text AS ewc, sum(co2e_g_central)::text AS cgc, sum(co2e_g_high)::text AS cgh
       FROM usage_rollups WHERE org_id = $1 GROUP BY provider ORDER BY provider`, [org]);
  return { counts, rollups };
}

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 2, applicationName: 'demo-data-test' }).initialize();
  orgId = await createOrganization();
  first = await seedDemoData({ dataSource: ds, orgId, now: NOW, log: (l) => logged.push(l) });
}, 180_000);
afterAll(async () => { await ds.destroy(); });

describe('seedDemoData', () => {
  it('creates the demo projects and paused, keyless connections spread across them', async () => {
    const projects = await ds.query(`SELECT name, slug, is_default FROM projects WHERE org_id = $1 ORDER BY slug`, [orgId]);
    expect(projects).toEqual([
      { name: 'Default', slug: 'default', is_default: true },
      { name: 'Research', slug: 'research', is_default: false },
      { name: 'Support bot', slug: 'support-bot', is_default: false },
    ]);
    const connections = await ds.query(
      `SELECT c.id, c.provider, c.name, c.status, c.key_hint, c.secret_ref, c.workflow_id, p.slug AS project
         FROM provider_connections c JOIN projects p ON p.id = c.project_id WHERE c.org_id = $1 ORDER BY c.provider`, [orgId]);
    expect(connections).toEqual([
      { id: demoConnectionId(orgId, 'anthropic'), provider: 'anthropic', name: 'Demo Anthropic', status: 'paused', key_hint: 'demo', secret_ref: null, workflow_id: `demo:${demoConnectionId(orgId, 'anthropic')}`, project: 'support-bot' },
      { id: demoConnectionId(orgId, 'openai'), provider: 'openai', name: 'Demo OpenAI', status: 'paused', key_hint: 'demo', secret_ref: null, workflow_id: `demo:${demoConnectionId(orgId, 'openai')}`, project: 'default' },
      { id: demoConnectionId(orgId, 'openrouter'), provider: 'openrouter', name: 'Demo OpenRouter', status: 'paused', key_hint: 'demo', secret_ref: null, workflow_id: `demo:${demoConnectionId(orgId, 'openrouter')}`, project: 'research' },
    ]);
    expect(first).toMatchObject({ updated: 0, unchanged: 0, fromDay: '2025-11-26' });
    expect(first.projects).toHaveLength(3);
    expect(first.connections).toHaveLength(3);
  });

  it('fills a year of usage across all three providers, within the intended volume, reporting progress', async () => {
    const { counts } = await snapshot(orgId);
    expect(counts.events).toBe(first.events);
    expect(first.inserted).toBe(first.events);
    expect(first.events).toBeGreaterThanOrEqual(90_000);
    expect(first.events).toBeLessThanOrEqual(150_000);

    const perProvider = await ds.query(
      `SELECT provider, count(*)::int AS events, count(DISTINCT model)::int AS models, count(DISTINCT bucket_start::date)::int AS days,
              min(bucket_start) AS first, max(bucket_end) AS last, sum(input_cache_read)::float8 AS cache_read,
              sum(input_cache_write)::float8 AS cache_write, count(requests)::int AS with_requests
         FROM usage_events WHERE org_id = $1 GROUP BY provider ORDER BY provider`, [orgId]);
    expect(perProvider.map((p: { provider: string }) => p.provider)).toEqual(['anthropic', 'openai', 'openrouter']);
    for (const p of perProvider) expect(p.days).toBeGreaterThanOrEqual(300);
    const [anthropic, openai, openrouter] = perProvider;
    // Hourly up to the current hour; OpenRouter daily up to the last completed day.
    expect(openai.last).toEqual(new Date('2026-11-26T10:00:00Z'));
    expect(openai.first).toEqual(new Date('2025-11-26T10:00:00Z'));
    expect(openrouter.last).toEqual(new Date('2026-11-26T00:00:00Z'));
    expect({ openai: openai.models, anthropic: anthropic.models, openrouter: openrouter.models }).toEqual({ openai: 4, anthropic: 3, openrouter: 4 });
    expect(openai.cache_read).toBeGreaterThan(0);
    expect(openai.cache_write).toBeGreaterThan(0);
    expect(anthropic.cache_read).toBeGreaterThan(0);
    expect(anthropic.cache_write).toBeGreaterThan(0);
    expect({ cache_read: openrouter.cache_read, cache_write: openrouter.cache_write }).toEqual({ cache_read: 0, cache_write: 0 });
    expect(openai.with_requests).toBe(openai.events);
    expect(openrouter.with_requests).toBe(openrouter.events);

    const [{ spans }] = await ds.query(`SELECT count(DISTINCT bucket_start::date)::int AS spans FROM usage_events WHERE org_id = $1`, [orgId]);
    expect(spans).toBeGreaterThanOrEqual(365);

    expect(logged.some((l) => /^demo data: \d0% \([\d,]+ events\)$/.test(l))).toBe(true);
    expect(logged.at(-1)).toMatch(/^demo data: done/);
  });

  it('has reasoning only for the reasoning models, as a part of their output', async () => {
    const rows = await ds.query(
      `SELECT model, bool_and(reasoning_tokens <= output_tokens) AS within_output, sum(reasoning_tokens)::float8 AS reasoning
         FROM usage_events WHERE org_id = $1 GROUP BY model HAVING sum(reasoning_tokens) > 0 ORDER BY model`, [orgId]);
    expect(rows).toEqual([
      { model: 'deepseek/deepseek-r1-0528', within_output: true, reasoning: expect.any(Number) },
      { model: 'o3-2025-04-16', within_output: true, reasoning: expect.any(Number) },
    ]);
  });

  it('includes the unmapped model, classified in the fallback tier', async () => {
    const tiers = await ds.query(`SELECT DISTINCT model, tier FROM usage_events WHERE org_id = $1 AND provider = 'openrouter' ORDER BY model`, [orgId]);
    expect(tiers).toContainEqual({ model: 'acme/prototype-7', tier: 'fallback' });
    expect(tiers.filter((t: { tier: string }) => t.tier === 'fallback')).toHaveLength(1);
  });

  it('looks like real usage: weekdays busier than weekends, growth over the year', async () => {
    const [shape] = await ds.query(
      `SELECT sum(requests) FILTER (WHERE extract(isodow FROM bucket_start - interval '5 hours') < 6)::float8 / 5 AS weekday,
              sum(requests) FILTER (WHERE extract(isodow FROM bucket_start - interval '5 hours') >= 6)::float8 / 2 AS weekend,
              sum(requests) FILTER (WHERE bucket_start < '2026-02-01')::float8 AS early,
              sum(requests) FILTER (WHERE bucket_start >= '2026-09-01' AND bucket_start < '2026-11-01')::float8 AS late
         FROM usage_events WHERE org_id = $1 AND provider = 'openai' AND grouping LIKE 'api_key_id=key_demo_web%'`, [orgId]);
    expect(shape.weekday).toBeGreaterThan(2 * shape.weekend);
    expect(shape.late).toBeGreaterThan(1.3 * shape.early);
  });

  it('is deterministic and idempotent: a second run changes nothing', async () => {
    // JSON, not toEqual: a deep comparison of ~70k buckets takes jest many seconds.
    const fingerprint = () => createHash('sha256').update(JSON.stringify(generateDemoBuckets(orgId, 'openai', NOW))).digest('hex');
    expect(fingerprint()).toBe(fingerprint());
    const before = await snapshot(orgId);
    const again = await seedDemoData({ dataSource: ds, orgId, now: NOW });
    expect(again).toMatchObject({ events: first.events, inserted: 0, updated: 0, unchanged: first.events });
    expect(again.connections).toEqual(first.connections);
    expect(again.projects).toEqual(first.projects);
    expect(await snapshot(orgId)).toEqual(before);
    expect(before.counts.revised).toBe(0);
  }, 180_000);

  it('a run an hour later only adds the new hour: shared buckets do not depend on when it runs', async () => {
    const before = await snapshot(orgId);
    const later = await seedDemoData({ dataSource: ds, orgId, now: new Date(NOW.getTime() + HOUR_MS) });
    expect(later.updated).toBe(0);
    expect(later.inserted).toBeGreaterThan(0);
    expect(later.inserted).toBeLessThan(20); // one hour of OpenAI and Anthropic series
    const after = await snapshot(orgId);
    expect(after.counts.events).toBe(before.counts.events + later.inserted);
    expect(after.counts.revised).toBe(0);
    const [{ newest }] = await ds.query(`SELECT max(bucket_start) AS newest FROM usage_events WHERE org_id = $1`, [orgId]);
    expect(newest).toEqual(new Date('2026-11-26T10:00:00Z'));
  }, 180_000);

  it('leaves a renamed or moved connection where the user put it, and skips a deleted one', async () => {
    const research = first.projects.find((p) => p.slug === 'research')!;
    const openaiId = demoConnectionId(orgId, 'openai');
    await ds.query(`UPDATE provider_connections SET name = 'Renamed', project_id = $2 WHERE id = $1`, [openaiId, research.id]);
    await ds.query(`UPDATE provider_connections SET status = 'deleted', deleted_at = now() WHERE id = $1`, [demoConnectionId(orgId, 'anthropic')]);
    await ds.query(`UPDATE projects SET name = 'Main' WHERE org_id = $1 AND is_default`, [orgId]);

    const rerun = await seedDemoData({ dataSource: ds, orgId, now: new Date(NOW.getTime() + HOUR_MS) });
    expect(rerun.connections.map((c) => c.provider).sort()).toEqual(['openai', 'openrouter']);
    expect(rerun.connections.find((c) => c.provider === 'openai')).toMatchObject({ name: 'Renamed', projectId: research.id });
    expect(rerun.projects.map((p) => p.name).sort()).toEqual(['Main', 'Research', 'Support bot']);
    expect(rerun).toMatchObject({ inserted: 0, updated: 0 });
    const [{ projects, connections }] = await ds.query(
      `SELECT (SELECT count(*)::int FROM projects WHERE org_id = $1) AS projects, (SELECT count(*)::int FROM provider_connections WHERE org_id = $1) AS connections`, [orgId]);
    expect({ projects, connections }).toEqual({ projects: 3, connections: 3 });
  }, 180_000);
});
