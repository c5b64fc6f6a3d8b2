import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ApplicationFailure } from '@temporalio/common';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { startTestWorker } from '../../../helpers/worker';
import { createConnectionRow, createTenant } from '../../../factories/tenants';
import { bucket } from '../../../factories/usage';
import { createDataSource } from '../../../../src/db/data-source';
import { findFreePort } from '../../../../src/dev/processes';
import { startApi, type RunningApi } from '../../../../src/main';
import { createApp } from '../../../../src/http/app';
import { defineRoute } from '../../../../src/http/route';
import { ROUTES } from '../../../../src/http/routes';
import { startMetricsServer } from '../../../../src/metrics/metrics-server';
import { startWorkerMetrics } from '../../../../src/metrics/worker-metrics';
import { ProviderError, type Connectors, type UsageConnector } from '../../../../src/connectors';
import type { IngestService } from '../../../../src/services/telemetry/ingest.service';
import type { UsageBucket } from '../../../../contracts/usage';

const silent = pino({ level: 'silent' });

async function scrape(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

/** The value of one sample line, e.g. `carbonplan_polls_total{kind="hourly",...}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the API process', () => {
  let running: RunningApi;
  let connectionsBefore: number;

  beforeAll(async () => {
    const config = testConfig({ PORT: String(await findFreePort()) });
    running = await startApi(config);
  });
  afterAll(async () => { await running.stop(); });

  it('no longer serves /metrics on the API port', async () => {
    const res = await fetch(`${running.url}/metrics`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('serves /metrics on its own port, bound to loopback', async () => {
    expect(running.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const { status, text } = await scrape(running.metricsUrl);
    expect(status).toBe(200);
    for (const name of ['http_requests_in_flight', 'http_request_duration_seconds', 'carbonplan_connections', 'carbonplan_rate_limit_rejections_total', 'process_cpu_user_seconds_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect((await fetch(running.metricsUrl.replace('/metrics', '/health'))).status).toBe(404);
  });

  it('counts connections by status from Postgres at each scrape', async () => {
    const { text } = await scrape(running.metricsUrl);
    connectionsBefore = sample(text, 'carbonplan_connections{status="paused"}') ?? 0;
    const ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 1 }).initialize();
    try {
      const tenant = await createTenant(ds);
      const conn = await createConnectionRow(ds, tenant);
      await ds.query(`UPDATE provider_connections SET status = 'paused' WHERE id = $1`, [conn.id]);
      const after = await scrape(running.metricsUrl);
      expect(sample(after.text, 'carbonplan_connections{status="paused"}')).toBe(connectionsBefore + 1);
      expect(after.text).not.toContain('carbonplan_connections{status="deleted"}');
    } finally {
      await ds.destroy();
    }
  });
});

describe('http_requests_in_flight', () => {
  let api: TestApi;
  beforeAll(async () => { api = await startTestApi(testConfig()); });
  afterAll(async () => { await api.close(); });

  it('counts a request while its handler runs and returns to where it started', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const slow = defineRoute({ method: 'get', path: '/slow', summary: 'slow', tag: 'test', auth: 'public', response: { status: 200 }, handler: async () => { await held; return { ok: true }; } });
    const app = createApp(api.deps, [...ROUTES, slow]);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const metrics = await startMetricsServer({ registry: api.deps.metrics, host: '127.0.0.1', port: 0, logger: silent });
    try {
      const gauge = async () => sample((await scrape(metrics.url)).text, 'http_requests_in_flight');
      const before = await gauge();
      const pending = Promise.all([1, 2, 3].map(() => fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`)));
      const deadline = Date.now() + 10_000;
      while ((await gauge()) !== before! + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await gauge()).toBe(before! + 3);
      release();
      expect((await pending).map((r) => r.status)).toEqual([200, 200, 200]);
      while ((await gauge()) !== before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await gauge()).toBe(before);
    } finally {
      await metrics.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the worker process', () => {
  it('serves its own /metrics on WORKER_METRICS_PORT, on loopback, and closes it when it stops', async () => {
    const port = await findFreePort();
    const worker = await startTestWorker(testConfig({ WORKER_METRICS_PORT: String(port) }));
    try {
      const { status, text } = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(status).toBe(200);
      for (const name of ['carbonplan_polls_total', 'carbonplan_strikes_total', 'carbonplan_ingested_rows_total', 'carbonplan_provider_errors_total']) expect(text).toContain(`# TYPE ${name} `);
    } finally {
      await worker.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  }, 120_000);
});

describe('the worker metrics', () => {
  function fakeConnector(provider: 'openai' | 'anthropic', pages: Array<UsageBucket[] | ProviderError>): UsageConnector {
    return {
      provider,
      validateKey: async () => ({ valid: true }) as never,
      async *pollUsage() {
        for (const page of pages) {
          if (page instanceof ProviderError) throw page;
          yield page;
        }
      },
    };
  }

  it('count polls by outcome and provider, strikes, ingested rows, ingest and provider latency, provider errors by class', async () => {
    const transient = new ProviderError({ provider: 'anthropic', kind: 'transient', code: 'rate_limited', status: 429, providerMessage: 'slow down' });
    const deps = {
      connectors: { openai: fakeConnector('openai', [[bucket()], [bucket(), bucket({ model: 'gpt-4o-mini' })]]), anthropic: fakeConnector('anthropic', [transient]) } as unknown as Connectors,
      ingest: { ingest: async (_t: unknown, buckets: UsageBucket[]) => ({ received: buckets.length, inserted: buckets.length, updated: 0, unchanged: 0, stale: 0, factorVersion: 'v1' }) } as unknown as IngestService,
    };
    const metrics = await startWorkerMetrics({ host: '127.0.0.1', port: 0, logger: silent }, deps);
    try {
      // Stand-ins for the polling activities: read every page of the connection's provider, ingest each.
      const poll = async (provider: 'openai' | 'anthropic') => {
        try {
          for await (const page of deps.connectors[provider].pollUsage({ key: 'k', from: new Date(0), to: new Date() })) {
            await deps.ingest.ingest({ id: 'c', orgId: 'o', projectId: 'p', provider }, page);
          }
        } catch (err) {
          throw ApplicationFailure.create({ type: 'ProviderTransient', message: (err as Error).message });
        }
        return { buckets: 3 };
      };
      const activities = metrics.instrument({
        pollConnection: (input: { provider: 'openai' | 'anthropic' }) => poll(input.provider),
        recordPollFailure: async (_input: { failed: boolean }) => undefined,
        other: async () => 'untouched',
      });
      await activities.pollConnection({ provider: 'openai' });
      await expect(activities.pollConnection({ provider: 'anthropic' })).rejects.toThrow('slow down');
      await activities.recordPollFailure({ failed: false });
      await activities.recordPollFailure({ failed: true });
      expect(await activities.other()).toBe('untouched');

      const { status, text } = await scrape(metrics.url);
      expect(status).toBe(200);
      expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect({
        pollsOk: sample(text, 'carbonplan_polls_total{kind="hourly",provider="openai",outcome="success"}'),
        pollsFailed: sample(text, 'carbonplan_polls_total{kind="hourly",provider="anthropic",outcome="ProviderTransient"}'),
        strikes: sample(text, 'carbonplan_strikes_total{is_final="false"}'),
        strikeouts: sample(text, 'carbonplan_strikes_total{is_final="true"}'),
        rows: sample(text, 'carbonplan_ingested_rows_total{provider="openai",result="inserted"}'),
        ingests: sample(text, 'carbonplan_ingest_duration_seconds_count{provider="openai"}'),
        pages: sample(text, 'carbonplan_provider_request_duration_seconds_count{provider="openai",operation="usage_page",outcome="ok"}'),
        providerErrors: sample(text, 'carbonplan_provider_errors_total{provider="anthropic",kind="transient",code="rate_limited"}'),
      }).toEqual({ pollsOk: 1, pollsFailed: 1, strikes: 1, strikeouts: 1, rows: 3, ingests: 2, pages: 3, providerErrors: 1 });
    } finally {
      await metrics.close();
    }
  });
});
