// bench/verify: public receipt verification throughput against the real HTTP server (loopback, rate limit lifted)
// over a few hundred receipts issued by the real ReceiptIssuer on a scratch database, beside GET /health measured
// the same way in the same run. Each request re-verifies strictly (signature, key validity, log inclusion).
// Usage: npm run bench:verify [-- --receipts 300 --seconds 10 --concurrency 32]
import type { Server } from 'node:http';
import { Agent, request } from 'node:http';
import { loadConfig } from '../src/config';
import { createApp } from '../src/http/app';
import type { AppDeps } from '../src/http/deps';
import { createMetricsRegistry } from '../src/http/middleware/metrics';
import type { TemporalHandle } from '../src/integrations/temporal';
import { createLogger } from '../src/logger';
import { createServices } from '../src/services';
import { BillingPeriodRepository } from '../src/services/billing/billing-periods';
import { ReceiptIssuer } from '../src/services/receipts/receipt-issuer';
import { fmt, withScratchDatabase } from './bench-db';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RECEIPTS = arg('receipts', 300);
const SECONDS = arg('seconds', 10);
const CONCURRENCY = arg('concurrency', 32);

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function get(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** CONCURRENCY closed loops for SECONDS: requests/s and latency percentiles; any non-200 aborts the run. */
async function load(base: string, pathFor: (i: number) => string): Promise<{ rps: number; p50: number; p99: number; n: number }> {
  const samples: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      const path = pathFor(next++);
      const t = process.hrtime.bigint();
      const status = await get(base, path);
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (status !== 200) throw new Error(`${path}: HTTP ${status}`);
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = samples.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { rps: samples.length / elapsed, p50: at(0.5), p99: at(0.99), n: samples.length };
}

const show = (label: string, r: { rps: number; p50: number; p99: number; n: number }) =>
  console.log(`${label.padEnd(36)} ${fmt(r.rps).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   (${fmt(r.n)} requests)`);

async function main() {
  console.log(`bench/verify: ${RECEIPTS} receipts, ${CONCURRENCY} concurrent keep-alive connections, ${SECONDS} s per measurement`);
  await withScratchDatabase('verify', async (ds, url) => {
    const config = loadConfig({
      DATABASE_URL: url, SECRETS_BACKEND: 'local', SECRETS_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'), SECRETS_LOCAL_DIR: '.data/bench-secrets',
      RATE_LIMIT_API_PER_MINUTE: '100000000', RATE_LIMIT_PUBLIC_PER_MINUTE: '100000000', LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'http://bench.local',
    });
    const logger = createLogger({ level: 'silent', name: 'bench' });
    const temporal = { check: async () => undefined } as unknown as TemporalHandle; // no workflow is touched
    const services = createServices({ dataSource: ds, temporal, config, logger });
    const deps: AppDeps = { config, logger, dataSource: ds, services, metrics: createMetricsRegistry(), healthChecks: { database: async () => undefined, temporal: async () => undefined } };

    // One organization, one closed (empty) billing period per month, one period receipt each: signed and logged.
    const [org] = await ds.query(`INSERT INTO organizations (clerk_org_id, name, plan) VALUES ('org_bench_verify', 'Bench Org', 'pro') RETURNING id`);
    const periods = new BillingPeriodRepository(ds);
    const issuer = new ReceiptIssuer({ dataSource: ds, signingKeys: services.signingKeys, log: services.log, adjustmentThresholdKg: '0.001' });
    const urls: string[] = [];
    const issuing = Date.now();
    for (let i = 0; i < RECEIPTS; i++) {
      const start = new Date(Date.UTC(2000, i, 1));
      const end = new Date(Date.UTC(2000, i + 1, 1));
      const common = { orgId: org.id, periodStart: start.toISOString(), periodEnd: end.toISOString(), invoiceId: null, workflowId: `billing-period:bench:${i}`, receiptDueAt: end.toISOString() };
      await periods.record({ ...common, status: 'closing' });
      const { id } = await periods.finalize(org.id, start, end);
      await periods.record({ ...common, status: 'closed' });
      const issued = await issuer.issuePeriodReceipt(id);
      const detail = await services.receipts.get(org.id, issued.receiptId);
      urls.push(new URL(detail.verifyUrl).pathname + new URL(detail.verifyUrl).search);
    }
    console.log(`issued ${RECEIPTS} receipts in ${((Date.now() - issuing) / 1000).toFixed(1)} s`);

    const server: Server = await new Promise((resolve) => { const s = createApp(deps).listen(0, '127.0.0.1', () => resolve(s)); });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const first = await fetch(`${base}${urls[0]}`).then((r) => r.json()) as { valid: boolean };
      if (!first.valid) throw new Error('the first receipt does not verify');
      const summaries = urls.map((u) => u.split('?')[0]);
      await load(base, () => '/health'); // warm-up: JIT, pool, caches
      await load(base, (i) => urls[i % urls.length]);
      console.log('');
      const health = await load(base, () => '/health');
      show('baseline: GET /health', health);
      const full = await load(base, (i) => urls[i % urls.length]);
      show('GET /public/receipts/verify (code)', full);
      const summary = await load(base, (i) => summaries[i % summaries.length]);
      show('GET /public/receipts/verify (no code)', summary);
      console.log(`\nverify with code: ${(full.rps / health.rps * 100).toFixed(0)}% of the /health rate; targets ≥ 3,000 req/s and p99 < 20 ms: ${full.rps >= 3000 && full.p99 < 20 ? 'met' : 'NOT met'}`);
    } finally {
      agent.destroy();
      await new Promise((resolve) => { server.close(resolve); });
    }
  });
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
