// bench/audit-pack: builds one organization's audit pack for a month of N usage events (default 1,000,000) with the
// real builder (pg-cursor CSV, archiver zip streamed to local storage, receipts, manifest, cover in Chromium) on a
// scratch database, and prints this process's RSS before, at its peak (sampled every 20 ms) and after, the growth
// against the 200 MB target, the time and the zip's size. The month's events are loaded with one INSERT … SELECT
// per connection and model (generate_series, exact figures computed in numeric from the factor set), then a real
// period receipt is issued over them, so calculations.csv carries signedBy on every row.
// The build runs in a fresh child process, as in a worker, so the loader's and issuer's heap does not hide its growth.
// Usage: npm run bench:audit-pack [-- --events 1000000 --no-receipt --recalculate]
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import yauzl from 'yauzl';
import { FactorSetDocument, type FactorTriple } from '../contracts/emissions';
import { rebuildRollups } from '../migrations/rebuild-rollups';
import { createDataSource } from '../src/db/data-source';
import { ensureUsagePartitions } from '../src/db/usage-partitions';
import { createEmissionsEngine } from '../src/emissions/engine';
import { LocalSecretStore } from '../src/integrations/secrets/local-secret-store';
import { PdfRenderer } from '../src/receipts/pdf/pdf-renderer';
import { LocalReceiptStorage } from '../src/receipts/pdf/receipt-storage';
import { AuditPackBuilder } from '../src/services/audit-packs/audit-pack-builder';
import { LocalAuditPackStorage } from '../src/services/audit-packs/audit-pack-storage';
import { BillingPeriodRepository } from '../src/services/billing/billing-periods';
import { ReceiptIssuer } from '../src/services/receipts/receipt-issuer';
import { SigningKeyService } from '../src/services/signing-keys/signing-key.service';
import { LogService } from '../src/services/transparency-log/log.service';
import { fmt, withScratchDatabase } from './bench-db';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const EVENTS = arg('events', 1_000_000);
const MONTH = '2025-03';
const HOURS = 31 * 24;
const TARGET_MB = 200;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CONNECTIONS = [['openai', ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'o3-2025-04-16']], ['anthropic', ['claude-sonnet-4-20250514', 'claude-haiku-4-5']],
  ['openrouter', ['google/gemini-2.5-flash', 'acme/unknown-model']]] as const;
const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;
const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** Loads ~EVENTS hourly events of MONTH for one organization, exact figures from the factor set in numeric. */
async function loadMonth(ds: DataSource): Promise<{ orgId: string; total: number }> {
  const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name, plan) VALUES ('org_bench_pack', 'Bench Pack Org', 'pro') RETURNING id`);
  const [project] = await ds.query(`INSERT INTO projects (org_id, name, slug, is_default) VALUES ($1, 'Default', 'default', true) RETURNING id`, [org.id]);
  const [{ document }] = await ds.query(`SELECT document FROM carbon_factor_sets ORDER BY published_at DESC LIMIT 1`);
  const doc = FactorSetDocument.parse(document);
  const engine = createEmissionsEngine(doc);
  const pairs = CONNECTIONS.flatMap(([provider, models]) => models.map((model) => ({ provider, model })));
  const groups = Math.max(1, Math.round(EVENTS / (pairs.length * HOURS)));
  await ensureUsagePartitions(ds, { from: new Date(`${MONTH}-01T00:00:00Z`), to: new Date(`${MONTH}-01T00:00:00Z`) });
  const secondary: Array<{ name: string; definition: string }> = await ds.query(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
     WHERE i.indrelid = 'usage_events'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`);
  for (const index of secondary) await ds.query(`DROP INDEX ${index.name}`);
  await ds.query(`ALTER TABLE usage_events DROP CONSTRAINT usage_events_idempotency_key_key`);
  const connections = new Map<string, string>();
  let done = 0;
  for (const [i, { provider, model }] of pairs.entries()) {
    let connection = connections.get(provider);
    if (!connection) {
      connection = randomUUID();
      await ds.query(`INSERT INTO provider_connections (id, org_id, project_id, provider, name, key_hint, workflow_id, status) VALUES ($1, $2, $3, $4, $4, 'abcd', $5, 'paused')`,
        [connection, org.id, project.id, provider, `connection:${connection}`]);
      connections.set(provider, connection);
    }
    const { tier, matchedRule } = engine.classify(model);
    const t = doc.tiers[tier];
    const pue = doc.pue[provider] ?? doc.pue.default;
    // [central, low, high] of each factor as the decimal text it was written as: numeric reads it exactly.
    const f = (triple: FactorTriple) => triple.map(String);
    const [prefill, decode, cached, p, grid] = [f(t.prefill), f(t.decode), f(t.cached), f(pue), f(doc.grid.default)];
    const energy = (b: number) => `(((iu + icw) * ${prefill[b]}::numeric + icr * ${cached[b]}::numeric + ot * ${decode[b]}::numeric) * ${p[b]}::numeric * 0.001)`;
    await ds.query(
      `INSERT INTO usage_events (org_id, connection_id, project_id, provider, model, bucket_start, bucket_end, grouping, input_uncached, input_cache_write,
         input_cache_read, output_tokens, reasoning_tokens, requests, idempotency_key, factor_version, tier, matched_rule,
         energy_wh_central, energy_wh_low, energy_wh_high, co2e_g_central, co2e_g_low, co2e_g_high)
       SELECT $1, $2::uuid, $3, $4, $5, ts, ts + interval '1 hour', 'api_key_id=k' || g, iu, icw, icr, ot, ot / 10, req,
         uuid_send($2::uuid) || int4send(h) || int4send(g) || int4send($8::int), $9, $10, $11,
         trim_scale(${energy(0)}), trim_scale(${energy(1)}), trim_scale(${energy(2)}),
         trim_scale(${energy(0)} * 0.001 * ${grid[0]}::numeric), trim_scale(${energy(1)} * 0.001 * ${grid[1]}::numeric), trim_scale(${energy(2)} * 0.001 * ${grid[2]}::numeric)
       FROM generate_series(0, $6 - 1) AS h, generate_series(0, $7 - 1) AS g,
         LATERAL (SELECT '${MONTH}-01T00:00:00Z'::timestamptz + h * interval '1 hour' AS ts, (1000 + (h * 7 + g * 13) % 5000)::bigint AS iu,
           ((h + g) % 300)::bigint AS icw, ((h * 3 + g) % 2000)::bigint AS icr, (200 + (h * 11 + g) % 900)::bigint AS ot, 1 + (h + g) % 30 AS req) AS v`,
      [org.id, connection, project.id, provider, model, HOURS, groups, i, doc.version, tier, matchedRule],
    );
    done += HOURS * groups;
    process.stdout.write(`\rloading events: ${fmt(done)} / ${fmt(pairs.length * HOURS * groups)}`);
  }
  process.stdout.write('\nrebuilding indexes and rollups… ');
  await ds.query(`ALTER TABLE usage_events ADD CONSTRAINT usage_events_idempotency_key_key UNIQUE (idempotency_key, bucket_start)`);
  // pg_get_indexdef names a partitioned table's index ON ONLY the parent, which would leave the partitions without one.
  for (const index of secondary) await ds.query(index.definition.replace(' ON ONLY ', ' ON '));
  const runner = ds.createQueryRunner();
  try { await rebuildRollups(runner); } finally { await runner.release(); }
  await ds.query(`VACUUM ANALYZE usage_events`);
  console.log('done');
  return { orgId: org.id, total: done };
}

/** Extracts the zip to `dir` with yauzl, entry by entry. */
async function extract(file: string, dir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      zip.on('error', reject).on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = path.join(dir, entry.fileName);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e ?? new Error('no stream'));
          stream.pipe(fs.createWriteStream(target)).on('finish', () => zip.readEntry()).on('error', reject);
        });
      });
      zip.readEntry();
    });
  });
}

interface ChildArgs { url: string; orgId: string; tmp: string; masterKey: string }

/**
 * The measured build, in a fresh process (as a worker builds it): loading the month and issuing its receipt leave
 * this one's heap large, and a freed heap would hide the build's own growth.
 */
async function buildInChild(args: ChildArgs): Promise<void> {
  const logger = pino({ level: 'warn' });
  const ds = await createDataSource({ url: args.url, poolSize: 4, applicationName: 'bench-audit-pack', statementTimeoutMs: 0 }).initialize();
  const secrets = new LocalSecretStore({ dir: path.join(args.tmp, 'secrets'), masterKey: Buffer.from(args.masterKey, 'base64') });
  const signingKeys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'bench/packs', logKeyName: 'bench.local/receipts' });
  const log = new LogService({ dataSource: ds, origin: 'bench.local/receipts', signer: () => signingKeys.logSigner() });
  const renderer = new PdfRenderer({ chromiumPath: CHROMIUM, pages: 1, logger });
  const storage = new LocalAuditPackStorage(path.join(args.tmp, 'packs'));
  const builder = new AuditPackBuilder({
    dataSource: ds, storage, receiptStorage: new LocalReceiptStorage(path.join(args.tmp, 'receipts')), signingKeys, log, renderer, logger,
  });
  try {
    // The worker's browser is warm; so is this one (its memory is its own process's, not counted here).
    if (!renderer.unavailableReason()) await renderer.renderPdf('<p>warm</p>');
    await signingKeys.activeKey('receipt');
    global.gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    let atPeak = process.memoryUsage();
    const sampler = setInterval(() => {
      const rss = process.memoryUsage.rss();
      if (rss > peak) { peak = rss; atPeak = process.memoryUsage(); }
    }, 20);
    let started = process.hrtime.bigint();
    const { pack, built } = await builder.build({ orgId: args.orgId, month: MONTH });
    const took = seconds(started);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    const atEnd = process.memoryUsage.rss();
    global.gc?.();
    const after = process.memoryUsage.rss();
    const growth = peak - before;
    console.log(`pack v${pack.version} (built=${built}): ${fmt(pack.events)} events, ${pack.receipts} receipt(s), zip ${mb(Number(pack.bytes))} (${fmt(Number(pack.bytes))} bytes) in ${took.toFixed(1)} s (${fmt(pack.events / took)} events/s)`);
    console.log(`build process RSS before ${mb(before)}, peak ${mb(peak)} (sampled every 20 ms), at the end ${mb(atEnd)}, after GC ${mb(after)}`);
    console.log(`at the peak: JS heap ${mb(atPeak.heapUsed)} used of ${mb(atPeak.heapTotal)}, external ${mb(atPeak.external)} (array buffers ${mb(atPeak.arrayBuffers)})`);
    console.log(`RSS growth at peak: ${mb(growth)} (target < ${TARGET_MB} MB: ${growth < TARGET_MB * 1_048_576 ? 'met' : 'NOT met'})`);

    started = process.hrtime.bigint();
    const again = await builder.build({ orgId: args.orgId, month: MONTH });
    console.log(`second build with unchanged inputs: built=${again.built}, ${seconds(started).toFixed(1)} s (fingerprint only)`);
    fs.writeFileSync(path.join(args.tmp, 'object-key'), pack.objectKey);
  } finally {
    await renderer.close();
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  const child = process.argv.indexOf('--child-build');
  if (child > 0) return buildInChild(JSON.parse(process.argv[child + 1]) as ChildArgs);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-bench-pack-'));
  console.log(`bench:audit-pack  events≈${fmt(EVENTS)}  month=${MONTH}  receipt=${!flag('no-receipt')}  cores=${os.cpus().length}`);
  try {
    await withScratchDatabase('audit_pack', async (ds, url) => {
      let started = process.hrtime.bigint();
      const { orgId, total } = await loadMonth(ds);
      console.log(`loaded ${fmt(total)} events in ${seconds(started).toFixed(1)} s`);

      const masterKey = randomBytes(32);
      const secrets = new LocalSecretStore({ dir: path.join(tmp, 'secrets'), masterKey });
      const signingKeys = new SigningKeyService({ dataSource: ds, secrets, prefix: 'bench/packs', logKeyName: 'bench.local/receipts' });
      const log = new LogService({ dataSource: ds, origin: 'bench.local/receipts', signer: () => signingKeys.logSigner() });
      if (!flag('no-receipt')) {
        started = process.hrtime.bigint();
        const periods = new BillingPeriodRepository(ds);
        const start = new Date(`${MONTH}-01T00:00:00Z`);
        const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
        const common = { orgId, periodStart: start.toISOString(), periodEnd: end.toISOString(), invoiceId: null, workflowId: `billing-period:${orgId}:${MONTH}`, receiptDueAt: end.toISOString() };
        await periods.record({ ...common, status: 'closing' });
        const { id } = await periods.finalize(orgId, start, end);
        await periods.record({ ...common, status: 'closed' });
        const receipt = await new ReceiptIssuer({ dataSource: ds, signingKeys, log, adjustmentThresholdKg: '0.001' }).issuePeriodReceipt(id);
        console.log(`period receipt ${receipt.serial} over every event issued in ${seconds(started).toFixed(1)} s`);
      }
      console.log('');
      const args: ChildArgs = { url, orgId, tmp, masterKey: masterKey.toString('base64') };
      const run = spawnSync(process.execPath, [...process.execArgv, process.argv[1], '--child-build', JSON.stringify(args)], { stdio: 'inherit' });
      if (run.status !== 0) throw new Error(`the build process failed (exit ${run.status})`);

      if (flag('recalculate')) {
        const dir = path.join(tmp, 'unzipped');
        started = process.hrtime.bigint();
        await extract(path.join(tmp, 'packs', fs.readFileSync(path.join(tmp, 'object-key'), 'utf8')), dir);
        const check = spawnSync(process.execPath, ['recalculate.mjs'], { cwd: dir, encoding: 'utf8' });
        const lines = check.stdout.trim().split('\n');
        console.log(`unzip + node recalculate.mjs: ${seconds(started).toFixed(1)} s, exit ${check.status}, last line: ${lines[lines.length - 1]}`);
      }
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
