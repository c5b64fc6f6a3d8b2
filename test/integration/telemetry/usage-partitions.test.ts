import type { DataSource } from 'typeorm';
import { ensureUsagePartitions, usagePartitionWindow } from '../../../src/db/usage-partitions';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../src/services/telemetry/ingest.service';
import { TelemetryQueryService } from '../../../src/services/telemetry/telemetry-query.service';
import { createConnectionRow, createTenant, type TestConnection } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { createScratchDatabase } from '../../helpers/scratch-database';

// A database of its own: these tests create partitions and look at which one holds a row.
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;
let ingest: IngestService;
let telemetry: TelemetryQueryService;
let conn: TestConnection;

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_usage_partitions', 4);
  ds = scratch.dataSource;
  const factors = new FactorSetRepository(ds);
  ingest = new IngestService(ds, factors);
  telemetry = new TelemetryQueryService(ds, factors);
  conn = await createConnectionRow(ds, await createTenant(ds));
});
afterAll(async () => { await scratch.drop(); });

const partitionOf = async (hour: string) =>
  (await ds.query(`SELECT tableoid::regclass::text AS part FROM usage_events WHERE connection_id = $1 AND bucket_start = $2`, [conn.id, hour]))[0]?.part;
const eventsOn = async (day: string, to: string) => (await telemetry.events(await telemetry.resolve(conn.orgId, { from: day, to }), 100)).data;

describe('usage_events partitions', () => {
  it('store buckets in 1999 and 2099, months without a partition, and read them back through the telemetry service', async () => {
    const hours = ['1999-06-15T10:00:00Z', '2099-06-15T10:00:00Z'];
    expect(await ingest.ingest(conn, hours.map((hour) => bucket({ hour, outputTokens: 321 })))).toMatchObject({ inserted: 2 });
    for (const hour of hours) expect(await partitionOf(hour)).toBe('usage_events_default');

    const old = await eventsOn('1999-06-15', '1999-06-16');
    expect(old.map((e) => [e.bucketStart, e.tokens.output, e.revision])).toEqual([['1999-06-15T10:00:00.000Z', '321', 1]]);
    const summary = await telemetry.summary(await telemetry.resolve(conn.orgId, { from: '2099-06-01', to: '2099-07-01' }));
    expect(summary.totals.tokens.output).toBe('321');

    // A re-poll with new figures finds the row there and corrects it, rollups moving by the difference.
    expect(await ingest.ingest(conn, [bucket({ hour: hours[1], outputTokens: 400 })])).toMatchObject({ updated: 1, inserted: 0 });
    const corrected = await eventsOn('2099-06-15', '2099-06-16');
    expect(corrected.map((e) => [e.tokens.output, e.revision])).toEqual([['400', 2]]);
    const after = await telemetry.summary(await telemetry.resolve(conn.orgId, { from: '2099-06-01', to: '2099-07-01' }));
    expect(after.totals.tokens.output).toBe('400');
  });

  it('create a month that the default partition holds rows of, moving them (ids, revisions, other-version emissions) into it', async () => {
    const hour = '2099-06-15T10:00:00Z';
    const [before] = await ds.query(`SELECT id::text AS id, revision FROM usage_events WHERE connection_id = $1 AND bucket_start = $2`, [conn.id, hour]);
    await ds.query(`INSERT INTO event_emissions (event_id, bucket_start, factor_version, tier, matched_rule, energy_wh_central, energy_wh_low, energy_wh_high,
        co2e_g_central, co2e_g_low, co2e_g_high) VALUES ($1, $2, '1.0', 'large', 'other', 1, 0.5, 2, 0.3, 0.1, 0.9)`, [before.id, hour]);

    const month = new Date('2099-06-01T00:00:00Z');
    expect(await ensureUsagePartitions(ds, { from: month, to: month })).toEqual(['usage_events_p2099_06']);
    expect(await partitionOf(hour)).toBe('usage_events_p2099_06');
    expect(await partitionOf('2099-06-15T10:00:00Z')).toBe('usage_events_p2099_06');
    expect(await ds.query(`SELECT id::text AS id, revision FROM usage_events WHERE connection_id = $1 AND bucket_start = $2`, [conn.id, hour])).toEqual([before]);
    expect(await ds.query(`SELECT event_id::text AS id, matched_rule FROM event_emissions`)).toEqual([{ id: before.id, matched_rule: 'other' }]);
    expect((await eventsOn('2099-06-15', '2099-06-16')).map((e) => [e.id, e.tokens.output, e.revision])).toEqual([[before.id, '400', 2]]);
    // The 1999 row was not in that month: it stays in the default partition.
    expect(await partitionOf('1999-06-15T10:00:00Z')).toBe('usage_events_default');

    // Again: nothing to do. New buckets of the month go straight to its partition.
    expect(await ensureUsagePartitions(ds, { from: month, to: month })).toEqual([]);
    await ingest.ingest(conn, [bucket({ hour: '2099-06-20T00:00:00Z' })]);
    expect(await partitionOf('2099-06-20T00:00:00Z')).toBe('usage_events_p2099_06');
  });

  it('create each month once when workers race, and cover the window around now', async () => {
    const range = { from: new Date('2098-01-10T00:00:00Z'), to: new Date('2098-03-05T00:00:00Z') };
    const results = await Promise.all([ensureUsagePartitions(ds, range), ensureUsagePartitions(ds, range), ensureUsagePartitions(ds, range)]);
    expect(results.flat().sort()).toEqual(['usage_events_p2098_01', 'usage_events_p2098_02', 'usage_events_p2098_03']);

    expect(usagePartitionWindow(new Date('2026-01-15T12:00:00Z'))).toEqual({ from: new Date('2025-11-01T00:00:00Z'), to: new Date('2026-04-01T00:00:00Z') });
    const window = usagePartitionWindow(new Date());
    await ensureUsagePartitions(ds, window);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'usage_events'::regclass AND c.relname = ANY($1)`,
    [[0, 1, 2, 3, 4, 5].map((k) => {
      const d = new Date(Date.UTC(window.from.getUTCFullYear(), window.from.getUTCMonth() + k, 1));
      return `usage_events_p${d.toISOString().slice(0, 4)}_${d.toISOString().slice(5, 7)}`;
    })]);
    expect(n).toBe(6);
  });
});
