import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { createConnectionRow } from '../../../factories/tenants';
import { bucket } from '../../../factories/usage';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';
import type { UsageBucket } from '../../../../contracts/usage';

// The export reads 2000 events per keyset page: 12,000 events make every export six pages long, so an abort
// after the first bytes always lands while the handler still has pages to read.
const MODELS = ['gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'o3', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-4o-2024-05-13', 'gpt-3.5-turbo'];
const HOURS = 1200;
const EVENTS = MODELS.length * HOURS;
const START = Date.UTC(2026, 0, 1);
const RANGE = 'from=2026-01-01&to=2026-03-01';

const keys = createClerkTestKeys();
let api: TestApi;
let server: http.Server;
let port: number;
let token: string;
const generators = { started: 0, finished: 0 };

const pool = () => (api.deps.dataSource.driver as PostgresDriver).master as Pool;
const inFlight = async () => (await api.deps.metrics.getSingleMetric('http_requests_in_flight')?.get())?.values[0]?.value;

beforeAll(async () => {
  // 20 exports at once queue for the pool; on a loaded machine a queued one may wait past the default 5 s
  // connect timeout and answer 503 (right under overload, but not what this test is about).
  api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '100000', DATABASE_CONNECT_TIMEOUT_MS: '60000' }, keys));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_export_abort_${Date.now()}` })}`;
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;

  const me = await get('/api/v1/me');
  const ds = api.deps.dataSource;
  const orgId = me.body.organization.id as string;
  const [{ id: projectId }] = await ds.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
  const conn = await createConnectionRow(ds, { orgId, clerkOrgId: '', projectId }, 'openai');
  const buckets: UsageBucket[] = [];
  for (let h = 0; h < HOURS; h++) for (const model of MODELS) buckets.push(bucket({ model, hour: new Date(START + h * 3_600_000).toISOString() }));
  await new IngestService(ds, new FactorSetRepository(ds)).ingest(conn, buckets);

  // Counts the export's database walks that end (completed or abandoned), whatever the route does.
  const telemetry = api.deps.services.telemetry;
  const original = telemetry.eachEventPage.bind(telemetry);
  telemetry.eachEventPage = async function* (...args: Parameters<typeof original>) {
    generators.started += 1;
    try {
      yield* original(...args);
    } finally {
      generators.finished += 1;
    }
  };
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

function get(path: string): Promise<{ status: number; body: any; text: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers: { authorization: token } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, body: res.headers['content-type']?.includes('json') ? JSON.parse(text) : undefined }));
    }).on('error', reject);
  });
}

/** Starts an export, reads its first bytes, then drops the connection as a client that gives up would. */
function abortAfterFirstBytes(format: 'csv' | 'json'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: `/api/v1/export?format=${format}&${RANGE}`, headers: { authorization: token } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
      res.once('data', () => req.destroy());
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
  });
}

async function waitFor(condition: () => Promise<boolean> | boolean, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe('GET /api/v1/export aborted by the client', () => {
  it('serves the whole data set to a client that stays', async () => {
    const res = await get(`/api/v1/export?format=csv&${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.text.trimEnd().split('\n')).toHaveLength(EVENTS + 1);
    expect(await waitFor(() => generators.finished === generators.started)).toBe(true);
  });

  it('releases the handler, the in-flight gauge and the pool connections of 200 aborted exports', async () => {
    const before = { ...generators, inFlight: await inFlight() };
    expect(before.inFlight).toBe(0);

    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => abortAfterFirstBytes(i % 2 ? 'json' : 'csv')));
    }

    await waitFor(async () => generators.finished - before.finished === 200 && (await inFlight()) === before.inFlight && pool().idleCount === pool().totalCount);
    expect({ started: generators.started - before.started, finished: generators.finished - before.finished }).toEqual({ started: 200, finished: 200 });
    expect(await inFlight()).toBe(before.inFlight);
    expect({ checkedOut: pool().totalCount - pool().idleCount, waiting: pool().waitingCount }).toEqual({ checkedOut: 0, waiting: 0 });

    // The API still serves exports afterwards.
    const res = await get(`/api/v1/export?format=json&${RANGE}`);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(EVENTS);
  }, 120_000);
});
