import type { DataSource } from 'typeorm';
import { migrateUp } from '../../../src/db/migrations-runner';
import { snapshotFigures } from '../../../src/services/receipts/receipt-figures';
import { FactorSetRepository } from '../../../src/services/telemetry/factor-sets';
import { archiveRevisions, IngestService } from '../../../src/services/telemetry/ingest.service';
import { createConnectionRow, createTenant } from '../../factories/tenants';
import { bucket } from '../../factories/usage';
import { createScratchDatabase } from '../../helpers/scratch-database';

const MIGRATION = 'PartitionUsageEvents1764000000070';
const HOURS = ['2025-03-31T23:00:00Z', '2025-04-01T00:00:00Z', '2025-04-15T10:00:00Z', '2026-07-02T05:00:00Z', '2026-07-02T06:00:00Z'];

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let ds: DataSource;

beforeAll(async () => {
  scratch = await createScratchDatabase('carbonplan_partition', 2);
  ds = scratch.dataSource;
  const [last] = await ds.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`);
  expect(last.name).toBe(MIGRATION);
  await ds.undoLastMigration({ transaction: 'each' });
});
afterAll(async () => { await scratch.drop(); });

const everyEvent = () => ds.query(`SELECT * FROM usage_events ORDER BY id`);
const everyRollup = async () => Promise.all(['usage_rollups', 'usage_rollups_org', 'usage_rollups_org_monthly', 'usage_rollups_org_days']
  .map((t) => ds.query(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5`)));
const relkind = async () => (await ds.query(`SELECT relkind FROM pg_class WHERE oid = 'usage_events'::regclass`))[0].relkind;
const nextId = async () => (await ds.query(`SELECT last_value::text AS v, is_called FROM usage_events_id_seq`))[0];

it('moves every event into its month partition with the same ids, revisions and rollups, and reverts', async () => {
  const org = await createTenant(ds);
  const conn = await createConnectionRow(ds, org);
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  await ingest.ingest(conn, HOURS.map((hour) => bucket({ hour })));
  // A correction: revision 2 of one event, revision 1 archived (as the ingestion of that schema did it).
  const [revised] = await ds.query(`SELECT id::text AS id FROM usage_events WHERE bucket_start = $1`, [HOURS[2]]);
  await archiveRevisions(ds.manager, [{ id: revised.id, bucketStart: HOURS[2] }]);
  await ds.query(`UPDATE usage_events SET output_tokens = 900, revision = 2 WHERE id = $1`, [revised.id]);
  await ds.query(`INSERT INTO event_emissions (event_id, factor_version, tier, matched_rule, energy_wh_central, energy_wh_low, energy_wh_high,
      co2e_g_central, co2e_g_low, co2e_g_high) SELECT id, factor_version, tier, 'other', 1, 0.5, 2, 0.3, 0.1, 0.9 FROM usage_events WHERE id = $1`, [revised.id]);
  // A receipt that signed every event at revision 1: one of them now only in the archive.
  await ds.query(`INSERT INTO receipt_snapshots (receipt_key, org_id, events) VALUES ('period:test', $1, 5)`, [org.orgId]);
  await ds.query(`INSERT INTO receipt_snapshot_events (receipt_key, event_id, revision) SELECT 'period:test', id, 1 FROM usage_events`);

  const events = await everyEvent();
  const rollups = await everyRollup();
  const sequence = await nextId();
  const signed = await ds.query(`SELECT event_id, revision FROM receipt_snapshot_events ORDER BY event_id`);
  expect(events).toHaveLength(5);
  expect(await relkind()).toBe('r');

  expect(await migrateUp(ds)).toEqual([MIGRATION]);
  expect(await relkind()).toBe('p');
  expect(await ds.query(`SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'usage_events'::regclass`)).toEqual([{ partstrat: 'r' }]);
  expect(await everyEvent()).toEqual(events);
  expect(await everyRollup()).toEqual(rollups);
  expect(await nextId()).toEqual(sequence);
  const placed = await ds.query(`SELECT tableoid::regclass::text AS part, to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY_MM') AS month FROM usage_events`);
  for (const { part, month } of placed) expect(part).toBe(`usage_events_p${month}`);
  expect(new Set(placed.map((p: { part: string }) => p.part))).toEqual(new Set(['usage_events_p2025_03', 'usage_events_p2025_04', 'usage_events_p2026_07']));
  const [pk] = await ds.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'usage_events_pkey'`);
  expect(pk.def).toBe('PRIMARY KEY (id, bucket_start)');
  const [unique] = await ds.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'usage_events_idempotency_key_key'`);
  expect(unique.def).toBe('UNIQUE (idempotency_key, bucket_start)');
  const [fk] = await ds.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'event_emissions'::regclass AND confrelid = 'usage_events'::regclass`);
  expect(fk.def).toBe('FOREIGN KEY (bucket_start, event_id) REFERENCES usage_events(bucket_start, id) ON DELETE CASCADE');
  expect(await ds.query(`SELECT to_char(bucket_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS at FROM event_emissions`)).toEqual([{ at: HOURS[2] }]);
  expect(await ds.query(`SELECT event_id, revision FROM receipt_snapshot_events ORDER BY event_id`)).toEqual(signed);
  expect(await ds.query(`SELECT count(*)::int AS n FROM receipt_snapshot_events s JOIN usage_events e USING (bucket_start) WHERE e.id = s.event_id`)).toEqual([{ n: 5 }]);
  // The signed figures still resolve: four live rows at revision 1 and the archived revision 1 of the corrected one.
  const figures = await snapshotFigures(ds.manager, 'period:test');
  expect(figures.events).toBe(5);
  expect(figures.totals.tokens.output).toBe('2500');

  // Ingestion keeps working on the partitioned table: a new event gets the next id, a correction bumps a revision.
  const result = await ingest.ingest(conn, [bucket({ hour: '2025-04-20T00:00:00Z' }), bucket({ hour: HOURS[0], outputTokens: 700 })]);
  expect(result).toMatchObject({ inserted: 1, updated: 1 });
  const [fresh] = await ds.query(`SELECT id::text AS id FROM usage_events WHERE bucket_start = '2025-04-20T00:00:00Z'`);
  expect(BigInt(fresh.id)).toBe(BigInt(sequence.v) + 1n);
  expect(await ds.query(`SELECT revision FROM usage_events WHERE bucket_start = $1`, [HOURS[0]])).toEqual([{ revision: 2 }]);
  // Deleting an event still cascades to its other-version emissions through the composite key.
  await ds.query(`DELETE FROM usage_events WHERE id = $1`, [revised.id]);
  expect(await ds.query(`SELECT count(*)::int AS n FROM event_emissions`)).toEqual([{ n: 0 }]);

  const before = await everyEvent();
  await ds.undoLastMigration({ transaction: 'each' });
  expect(await relkind()).toBe('r');
  expect(await everyEvent()).toEqual(before);
  const [oldPk] = await ds.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'usage_events_pkey'`);
  expect(oldPk.def).toBe('PRIMARY KEY (id)');
  expect(await ds.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname ~ '^usage_events_(p[0-9]{4}_[0-9]{2}|default)$'`)).toEqual([{ n: 0 }]);
});
