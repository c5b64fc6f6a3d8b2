import { Client } from 'pg';
import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';
import type { UsageBucket } from '../../../contracts/usage';
import { rebuildCoarseRollups } from '../../../migrations/rebuild-rollups';
import { createDataSource } from '../../../src/db/data-source';
import { migrateUp } from '../../../src/db/migrations-runner';
import { ensureUsagePartitions } from '../../../src/db/usage-partitions';
import { ProjectService } from '../../../src/services/projects/project.service';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { findSupersededLegacyRows } from '../../../src/services/telemetry/legacy-groupings';
import type { ResolvedFilters } from '../../../src/services/telemetry/telemetry-filters';
import { TelemetryQueryService } from '../../../src/services/telemetry/telemetry-query.service';

/**
 * The plans of the filter queries the services actually send (captured through the data source's logger, then
 * EXPLAINed with their parameters) over a few tens of thousands of events in four organizations, and a check
 * over the catalogue that every foreign key has an index leading with its column.
 */
const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;
const MIGRATION = 'FilterIndexes1764000000009';
const ORGS = 4;
const MODELS_PER_PROVIDER = 5;
const HOURS = 45 * 24;
const ROLLUP_DAYS = 730;
const RANGE = { from: '2025-01-10', to: '2025-02-09' };

let admin: Client;
let dbName: string;
let ds: DataSource;
let captured: Array<{ sql: string; params: unknown[] }> = [];
const seen: string[] = [];

interface Seeded { orgId: string; defaultProjectId: string; otherProjectId: string; connections: Array<{ id: string; provider: string; projectId: string }> }
let org: Seeded;

async function createScratchDatabase(): Promise<DataSource> {
  dbName = `carbonplan_query_plans_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return createDataSource({ url: url.toString(), poolSize: 2, statementTimeoutMs: 0 }).initialize();
}

/** Four organizations, each with a default and an "other" project and one connection per provider. */
async function seed(): Promise<Seeded> {
  const orgs: Seeded[] = [];
  for (let i = 0; i < ORGS; i++) {
    const [o] = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ($1, $1) RETURNING id`, [`org_plans_${i}`]);
    const [d] = await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true) RETURNING id`, [o.id]);
    const [p] = await ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Other', 'other') RETURNING id`, [o.id]);
    const connections = [];
    for (const [n, provider] of ['openai', 'anthropic', 'openrouter'].entries()) {
      const projectId = n === 0 ? d.id : p.id;
      const [c] = await ds.query(
        `INSERT INTO provider_connections (org_id, project_id, provider, name, key_hint, workflow_id) VALUES ($1, $2, $3, $3, '1234', $4) RETURNING id`,
        [o.id, projectId, provider, `connection:plans:${i}:${provider}`]);
      connections.push({ id: c.id, provider, projectId });
    }
    orgs.push({ orgId: o.id, defaultProjectId: d.id, otherProjectId: p.id, connections });
  }
  // Hourly events for every connection and model (5 per provider), in the partitions of January and February 2025
  // (the worker creates the months it polls); daily rollups over two years.
  await ensureUsagePartitions(ds, { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-02-01T00:00:00Z') });
  await ds.query(
    `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, input_uncached, output_tokens, requests,
       idempotency_key, factor_version, tier, matched_rule, energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
     SELECT c.org_id, c.id, c.project_id, c.provider, c.provider || '-model-' || m, t, t + interval '1 hour', 100, 10, 1,
       uuid_send(c.id) || int4send(m) || int4send(h), '1.0', 'large', '*', 1, 1, 1, 1, 1, 1
     FROM provider_connections c, generate_series(0, $1 - 1) AS m, generate_series(0, $2 - 1) AS h,
       LATERAL (SELECT '2025-01-01T00:00:00Z'::timestamptz + h * interval '1 hour' AS t) v`,
    [MODELS_PER_PROVIDER, HOURS]);
  await ds.query(
    `INSERT INTO usage_rollups (org_id, project_id, connection_id, provider, model, day, factor_version, energy_wh_central, energy_wh_low, energy_wh_high,
       co2e_g_central, co2e_g_low, co2e_g_high)
     SELECT c.org_id, c.project_id, c.id, c.provider, c.provider || '-model-' || m, '2024-06-01'::date + d, '1.0', 1, 1, 1, 1, 1, 1
     FROM provider_connections c, generate_series(0, $1 - 1) AS m, generate_series(0, $2 - 1) AS d`,
    [MODELS_PER_PROVIDER, ROLLUP_DAYS]);
  await ds.query(
    `INSERT INTO usage_rollups_org (org_id, provider, model, day, factor_version, energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
     SELECT DISTINCT org_id, provider, model, day, factor_version, 1, 1, 1, 1, 1, 1 FROM usage_rollups`);
  await rebuildCoarseRollups(ds);
  await ds.query(`ANALYZE`);
  return orgs[1];
}

beforeAll(async () => {
  ds = await createScratchDatabase();
  await migrateUp(ds);
  const logger = ds.logger;
  const capturing: TypeOrmLogger = Object.assign(Object.create(logger) as TypeOrmLogger, {
    logQuery: (query: string, parameters?: unknown[]) => { captured.push({ sql: query, params: parameters ?? [] }); },
  });
  (ds as unknown as { logger: TypeOrmLogger }).logger = capturing;
  org = await seed();
}, 120_000);

afterAll(async () => {
  console.log(`plans seen:\n${seen.join('\n')}`);
  await ds?.destroy();
  await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin?.end();
});

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const scansOf = (node: PlanNode): string[] =>
  [[node['Node Type'], node['Relation Name'], node['Index Name']].filter(Boolean).join(' '), ...(node.Plans ?? []).flatMap(scansOf)];

/** Runs `call`, then EXPLAINs every statement it sent that reads `table`; returns each one's scan nodes. */
async function plansOf(label: string, table: RegExp, call: () => Promise<unknown>): Promise<string[][]> {
  captured = [];
  await call().catch(() => undefined);
  const statements = captured.filter((s) => table.test(s.sql) && !/^\s*EXPLAIN/.test(s.sql));
  expect(statements.length).toBeGreaterThan(0);
  const plans: string[][] = [];
  for (const { sql, params } of statements) {
    const [row] = await ds.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    const scans = scansOf(row['QUERY PLAN'][0].Plan);
    seen.push(`${label}: ${scans.filter((s) => /Scan/.test(s)).join(', ')}`);
    plans.push(scans);
  }
  return plans;
}

const telemetry = () => new TelemetryQueryService(ds, new FactorSetRepository(ds));
const filters = (extra: Partial<ResolvedFilters> = {}): ResolvedFilters => ({ orgId: org.orgId, ...RANGE, ...extra });

function expectIndex(plans: string[][], table: string, index: string) {
  for (const scans of plans) {
    expect(scans.filter((s) => s.startsWith('Seq Scan') && s.includes(` ${table}`))).toEqual([]);
    // A Bitmap Index Scan node names its index but not its table: index names are unique in the schema.
    expect(scans.join('\n')).toMatch(new RegExp(` ${index}$`, 'm'));
  }
}

interface PartitionIndex { index: string; partition: string; parent: string }
/** Every index of a usage_events partition, with its partition and the parent's partitioned index it belongs to. */
const partitionIndexes = (): Promise<PartitionIndex[]> => ds.query(`
  SELECT c.relname AS index, t.relname AS partition, p.relname AS parent
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_index x ON x.indexrelid = c.oid JOIN pg_class t ON t.oid = x.indrelid
   WHERE t.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'usage_events'::regclass)`);
const populatedPartitions = async (): Promise<string[]> =>
  (await ds.query(`SELECT DISTINCT tableoid::regclass::text AS part FROM usage_events ORDER BY 1`)).map((r: { part: string }) => r.part);

/**
 * usage_events is partitioned by month: a plan scans each partition by that partition's copy of `index` (never a
 * sequential scan of a partition holding rows), and, for a time range, only the partitions of the range (pruning).
 */
async function expectPartitionIndex(plans: string[][], index: string, partitions?: string[]) {
  const children = await partitionIndexes();
  const populated = await populatedPartitions();
  for (const scans of plans) {
    expect(scans.filter((s) => s.startsWith('Seq Scan') && (s === 'Seq Scan usage_events' || populated.some((p) => s === `Seq Scan ${p}`)))).toEqual([]);
    const used = scans.map((s) => children.find((c) => s.endsWith(` ${c.index}`))).filter((c): c is PartitionIndex => !!c);
    expect(used.length).toBeGreaterThan(0);
    const scanned = [...new Set(used.map((c) => c.partition))].sort();
    // Each partition read by its copy of `index` (a bitmap may AND another index in, as on an unpartitioned table).
    expect(scanned.filter((p) => !used.some((c) => c.partition === p && c.parent === index))).toEqual([]);
    if (partitions) expect(scanned).toEqual(partitions);
    else expect(scanned).toEqual(expect.arrayContaining(populated));
  }
}
/** The partitions of RANGE (2025-01-10 to 2025-02-09). */
const RANGE_PARTITIONS = ['usage_events_p2025_01', 'usage_events_p2025_02'];

describe('filter queries on usage_events use their index', () => {
  const cases: Array<[string, () => Partial<ResolvedFilters>, string]> = [
    ['no filter', () => ({}), 'usage_events_org_time_idx'],
    ['connection', () => ({ connectionId: org.connections[0].id }), 'usage_events_connection_time_idx'],
    // A third of the organization's events. A project holding most of them is read, correctly, by the time
    // index with a filter: a page of it is a few hundred index entries either way.
    ['project', () => ({ projectId: org.defaultProjectId }), 'usage_events_project_time_idx'],
    ['model', () => ({ model: 'anthropic-model-3' }), 'usage_events_org_model_time_idx'],
    ['provider and model', () => ({ provider: 'openai', model: 'openai-model-1' }), 'usage_events_org_model_time_idx'],
    // A provider is a third of an organization's events or more: the time index with a filter serves it.
    ['provider', () => ({ provider: 'openrouter' }), 'usage_events_org_time_idx'],
  ];

  it.each(cases)('events page, %s', async (label, extra, index) => {
    await expectPartitionIndex(await plansOf(`events (${label})`, /FROM usage_events/, () => telemetry().events(filters(extra()), 100)), index, RANGE_PARTITIONS);
  });

  it.each(cases)('events next page (keyset cursor), %s', async (label, extra, index) => {
    const first = await telemetry().events(filters(extra()), 100);
    expect(first.nextCursor).not.toBeNull();
    await expectPartitionIndex(await plansOf(`events page 2 (${label})`, /FROM usage_events/, () => telemetry().events(filters(extra()), 100, first.nextCursor!)), index, RANGE_PARTITIONS);
  });

  it.each(cases)('export page, %s', async (label, extra, index) => {
    const walk = async () => { for await (const page of telemetry().eachEventPage(filters(extra()))) { expect(page.length).toBeGreaterThan(0); return; } };
    await expectPartitionIndex(await plansOf(`export (${label})`, /FROM usage_events/, walk), index, RANGE_PARTITIONS);
  });

  it('the legacy OpenRouter lookup uses the connection index', async () => {
    const c = org.connections[2];
    const fresh = [{ provider: 'openrouter', model: 'openrouter-model-0', bucketStart: new Date('2025-01-20T00:00:00Z'), bucketEnd: new Date('2025-01-21T00:00:00Z'),
      grouping: 'provider_name=Acme' }] as UsageBucket[];
    const plans = await plansOf('legacy groupings', /FROM usage_events/, () => findSupersededLegacyRows(ds.manager, { ...c, orgId: org.orgId }, fresh));
    await expectPartitionIndex(plans, 'usage_events_connection_time_idx', ['usage_events_p2025_01']);
  });
});

describe('filtered dashboard reads of the rollups use their index', () => {
  it.each([
    ['summary', 'connection', 'summary' as const, () => ({ connectionId: org.connections[1].id }), 'usage_rollups', 'usage_rollups_connection_day_idx'],
    ['summary', 'project', 'summary' as const, () => ({ projectId: org.otherProjectId }), 'usage_rollups', 'usage_rollups_project_day_idx'],
    ['models', 'connection', 'models' as const, () => ({ connectionId: org.connections[1].id }), 'usage_rollups', 'usage_rollups_connection_day_idx'],
    ['models', 'project', 'models' as const, () => ({ projectId: org.defaultProjectId }), 'usage_rollups', 'usage_rollups_project_day_idx'],
    ['summary', 'model', 'summary' as const, () => ({ model: 'openai-model-4' }), 'usage_rollups_org', 'usage_rollups_org_pkey'],
    ['models', 'no filter', 'models' as const, () => ({}), 'usage_rollups_org', 'usage_rollups_org_pkey'],
    // A range of whole months (plus edge days) reads the monthly rollups and the per-day totals by their keys.
    ['summary', 'whole months', 'summary' as const, () => ({ from: '2024-07-15', to: '2025-06-10' }), 'usage_rollups_org_monthly', 'usage_rollups_org_monthly_pkey'],
    ['summary', 'whole months, daily chart', 'summary' as const, () => ({ from: '2024-07-15', to: '2025-06-10' }), 'usage_rollups_org_days', 'usage_rollups_org_days_pkey', /FROM usage_rollups_org_days/],
    ['models', 'whole months', 'models' as const, () => ({ from: '2024-07-15', to: '2025-06-10' }), 'usage_rollups_org_monthly', 'usage_rollups_org_monthly_pkey'],
  ] as Array<[string, string, 'summary' | 'models', () => Partial<ResolvedFilters>, string, string, RegExp?]>)('%s, %s', async (what, label, method, extra, table, index, reads = /FROM usage_rollups(?!_org_days)/) => {
    const plans = await plansOf(`${what} (${label})`, reads, () => telemetry()[method](filters(extra())));
    expectIndex(plans, table, index);
  });

  it('the project delete checks for usage history by the project indexes', async () => {
    // A project whose connection moved away keeps its history, so the delete gets as far as the usage check.
    const [moved] = await ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Moved', 'moved') RETURNING id`, [org.orgId]);
    for (const table of ['usage_events', 'usage_rollups']) {
      await ds.query(`UPDATE ${table} SET project_id = $1 WHERE connection_id = $2 AND model = 'openai-model-4'`, [moved.id, org.connections[0].id]);
    }
    await ds.query(`ANALYZE usage_events, usage_rollups`);
    const projects = new ProjectService(ds);
    await expect(projects.delete(org.orgId, moved.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const plans = await plansOf('project delete usage check', /FROM usage_events/, () => projects.delete(org.orgId, moved.id));
    // No time range here: every partition holding rows is read, each by its project index.
    await expectPartitionIndex(plans.filter((p) => p.some((s) => s.includes(' usage_events'))), 'usage_events_project_time_idx');
    expectIndex(plans.filter((p) => p.some((s) => s.includes(' usage_rollups'))), 'usage_rollups', 'usage_rollups_project_day_idx');
  });
});

describe('foreign keys', () => {
  it('every foreign key has a valid, non-partial index leading with its columns', async () => {
    const fks: Array<{ name: string; table: string; columns: string[]; referenced: string; indexed: boolean }> = await ds.query(`
      SELECT con.conname AS name, con.conrelid::regclass::text AS table, con.confrelid::regclass::text AS referenced,
        (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = con.conrelid AND a.attnum = ANY (con.conkey)) AS columns,
        EXISTS (
          SELECT 1 FROM pg_index i
          WHERE i.indrelid = con.conrelid AND i.indisvalid AND i.indpred IS NULL
            AND (SELECT array_agg(k ORDER BY k) FROM unnest((i.indkey::int2[])[0:cardinality(con.conkey) - 1]) AS k)
              = (SELECT array_agg(k ORDER BY k) FROM unnest(con.conkey) AS k)
        ) AS indexed
      FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
      WHERE con.contype = 'f' AND n.nspname = 'public'
      ORDER BY 1`);
    expect(fks.length).toBeGreaterThanOrEqual(20);
    // carbon_factor_sets refuses UPDATE and DELETE (checked below), so the checks of keys to it never run.
    const unindexed = fks.filter((fk) => !fk.indexed && fk.referenced !== 'carbon_factor_sets').map((fk) => `${fk.table}(${fk.columns.join(', ')}) ${fk.name}`);
    expect(unindexed).toEqual([]);
    for (const table of ['usage_events', 'event_emissions', 'usage_rollups', 'usage_rollups_org']) {
      expect(fks.filter((fk) => fk.table === table && fk.referenced === 'carbon_factor_sets').map((fk) => fk.columns)).toEqual([['factor_version']]);
    }
  });

  it('carbon_factor_sets rows can be neither deleted nor re-keyed, which is why keys to it need no index', async () => {
    for (const statement of [`DELETE FROM carbon_factor_sets WHERE version = '1.0'`, `UPDATE carbon_factor_sets SET version = 'x' WHERE version = '1.0'`]) {
      await expect(ds.transaction((tx) => tx.query(statement))).rejects.toThrow(/immutable/);
    }
  });

  it('the unread indexes are gone and the constraint-backing unique indexes stay', async () => {
    const names = (await ds.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`)).map((r: { indexname: string }) => r.indexname);
    for (const gone of ['usage_rollups_org_day_idx', 'usage_rollups_org_project_day_idx', 'usage_rollups_org_connection_day_idx', 'provider_connections_project_idx']) {
      expect(names).not.toContain(gone);
    }
    for (const kept of ['usage_rollups_key', 'usage_events_idempotency_key_key', 'usage_rollups_org_pkey', 'provider_connections_one_per_key', 'projects_one_default_per_org']) {
      expect(names).toContain(kept);
    }
  });
});

describe(`migration ${MIGRATION}`, () => {
  it('reverts to the previous indexes and applies again on a database with data', async () => {
    const indexes = async () => (await ds.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`)).map((r: { indexname: string }) => r.indexname);
    const after = await indexes();
    for (;;) {
      const [last] = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`);
      await ds.undoLastMigration({ transaction: 'each' });
      if (last.name === MIGRATION) break;
    }
    const before = await indexes();
    expect(before).toEqual(expect.arrayContaining(['usage_rollups_org_day_idx', 'usage_rollups_org_project_day_idx', 'usage_rollups_org_connection_day_idx', 'provider_connections_project_idx']));
    expect(before).not.toContain('usage_events_connection_time_idx');
    expect(await ds.query(`SELECT stxname FROM pg_statistic_ext WHERE stxname LIKE '%tenant_keys_stats'`)).toEqual([]);
    await migrateUp(ds);
    expect(await indexes()).toEqual(after);
  });
});
