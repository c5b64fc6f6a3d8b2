import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { createConnectionRow, type TestConnection } from '../../../factories/tenants';
import { bucket, seededRandom } from '../../../factories/usage';
import { defaultEngine } from '../../../../src/emissions';
import { FactorSetRepository } from '../../../../src/services/telemetry/factor-sets';
import { IngestService } from '../../../../src/services/telemetry/ingest.service';
import type { UsageBucket } from '../../../../contracts/usage';

const keys = createClerkTestKeys();
let api: TestApi;
let token: string;
let otherToken: string;
let orgId: string;
let research: string;
const fixture: Array<{ conn: TestConnection; bucket: UsageBucket }> = [];

const START = Date.UTC(2026, 8, 1); // 2026-09-01
const MODELS: Record<string, string[]> = { openai: ['gpt-4o-2024-08-06', 'gpt-4o-mini'], anthropic: ['claude-sonnet-4-20250514'], openrouter: ['acme/mystery-1'] };

beforeAll(async () => {
  api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '100000' }, keys));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_tel_${Date.now()}` })}`;
  otherToken = `Bearer ${mintClerkToken(keys, { orgId: `org_tel_other_${Date.now()}` })}`;
  const me = await api.http.get('/api/v1/me').set('Authorization', token);
  orgId = me.body.organization.id;
  await api.http.get('/api/v1/me').set('Authorization', otherToken);
  const ds = api.deps.dataSource;
  const [{ id: defaultProject }] = await ds.query(`SELECT id FROM projects WHERE org_id = $1 AND is_default`, [orgId]);
  [{ id: research }] = await ds.query(`INSERT INTO projects (org_id, name, slug) VALUES ($1, 'Research', 'research') RETURNING id`, [orgId]);
  const tenant = { orgId, clerkOrgId: '', projectId: defaultProject };
  const conns = [
    await createConnectionRow(ds, tenant, 'openai'),
    await createConnectionRow(ds, tenant, 'anthropic', research),
    await createConnectionRow(ds, tenant, 'openrouter'),
  ];
  const ingest = new IngestService(ds, new FactorSetRepository(ds));
  const rand = seededRandom(42);
  for (const conn of conns) {
    const buckets: UsageBucket[] = [];
    for (let h = 0; h < 40 * 24; h += 7) { // every 7th hour over 40 days leaves some days empty
      for (const model of MODELS[conn.provider]) {
        if (rand() < 0.3) continue;
        const b = bucket({
          provider: conn.provider as UsageBucket['provider'], model, hour: new Date(START + h * 3_600_000).toISOString(),
          inputUncached: Math.floor(rand() * 50_000), inputCacheWrite: Math.floor(rand() * 5000), inputCacheRead: Math.floor(rand() * 20_000),
          outputTokens: Math.floor(rand() * 8000), requests: Math.floor(rand() * 40),
        });
        buckets.push(b);
        fixture.push({ conn, bucket: b });
      }
    }
    await ingest.ingest(conn, buckets);
  }
  // Some days with no usage at all in the middle of the range.
  expect(fixture.length).toBeGreaterThan(200);
});
afterAll(async () => { await api.close(); });

const get = (url: string, auth = token) => api.http.get(url).set('Authorization', auth);

/** Totals computed from the fixture itself, not the database. */
function expected(filter: (f: (typeof fixture)[number]) => boolean) {
  const rows = fixture.filter(filter);
  const engine = defaultEngine();
  const sum = (g: (b: UsageBucket, c: TestConnection) => number) => rows.reduce((a, r) => a + g(r.bucket, r.conn), 0);
  return {
    events: rows.length,
    requests: sum((b) => b.requests ?? 0),
    inputUncached: sum((b) => b.inputUncached),
    inputCacheRead: sum((b) => b.inputCacheRead),
    output: sum((b) => b.outputTokens),
    energyCentral: sum((b, c) => engine.compute({ provider: c.provider, model: b.model, tokens: b }).energyWh.central),
    co2eHigh: sum((b, c) => engine.compute({ provider: c.provider, model: b.model, tokens: b }).co2eG.high),
  };
}

function expectTotalsMatch(totals: any, exp: ReturnType<typeof expected>) {
  expect({ events: totals.events, requests: totals.requests, iu: totals.tokens.inputUncached, icr: totals.tokens.inputCacheRead, out: totals.tokens.output })
    .toEqual({ events: String(exp.events), requests: String(exp.requests), iu: String(exp.inputUncached), icr: String(exp.inputCacheRead), out: String(exp.output) });
  expect(Number(totals.energyWh.central)).toBeCloseTo(exp.energyCentral, 6);
  expect(Number(totals.co2eG.high)).toBeCloseTo(exp.co2eHigh, 6);
}

const inRange = (from: string, to: string) => (r: (typeof fixture)[number]) => r.bucket.bucketStart >= new Date(`${from}T00:00:00Z`) && r.bucket.bucketStart < new Date(`${to}T00:00:00Z`);

describe('GET /api/v1/telemetry/summary', () => {
  it('totals equal the totals computed independently from the ingested fixture', async () => {
    const res = await get('/api/v1/telemetry/summary?from=2026-09-01&to=2026-10-15');
    expect(res.status).toBe(200);
    expectTotalsMatch(res.body.totals, expected(inRange('2026-09-01', '2026-10-15')));
    expect(res.body.factorVersions).toEqual(['1.0']);
    const t = res.body.totals;
    expect(Number(t.energyWh.low)).toBeLessThanOrEqual(Number(t.energyWh.central));
    expect(Number(t.energyWh.central)).toBeLessThanOrEqual(Number(t.energyWh.high));
  });

  it('has a daily series with every day of the range, zeros included, summing to the totals', async () => {
    const res = await get('/api/v1/telemetry/summary?from=2026-08-30&to=2026-10-15');
    expect(res.body.daily).toHaveLength(46);
    expect(res.body.daily[0]).toMatchObject({ day: '2026-08-30', events: '0', requests: '0', energyWh: { central: '0' } });
    expect(res.body.daily.map((d: { day: string }) => d.day)).toEqual([...new Set(res.body.daily.map((d: { day: string }) => d.day))].sort());
    const dailyEvents = res.body.daily.reduce((a: number, d: { events: string }) => a + Number(d.events), 0);
    expect(String(dailyEvents)).toBe(res.body.totals.events);
  });

  it('splits by model and reports the cached input share', async () => {
    const res = await get('/api/v1/telemetry/summary?from=2026-09-01&to=2026-10-15');
    const models = res.body.models.map((m: { model: string }) => m.model).sort();
    expect(models).toEqual(['acme/mystery-1', 'claude-sonnet-4-20250514', 'gpt-4o-2024-08-06', 'gpt-4o-mini']);
    const exp = expected(inRange('2026-09-01', '2026-10-15'));
    const allInput = exp.inputUncached + exp.inputCacheRead + fixture.filter(inRange('2026-09-01', '2026-10-15')).reduce((a, r) => a + r.bucket.inputCacheWrite, 0);
    expect(Number(res.body.cache.cachedInputShare)).toBeCloseTo(exp.inputCacheRead / allInput, 5);
    expect(Number(res.body.cache.cachedInputShare) + Number(res.body.cache.uncachedInputShare)).toBeCloseTo(1, 5);
  });

  it('combines filters', async () => {
    const cases: Array<[string, (r: (typeof fixture)[number]) => boolean]> = [
      [`projectId=${research}`, (r) => r.conn.projectId === research],
      ['provider=openai', (r) => r.conn.provider === 'openai'],
      ['provider=openai&model=gpt-4o-mini', (r) => r.conn.provider === 'openai' && r.bucket.model === 'gpt-4o-mini'],
      [`projectId=${research}&provider=openai`, () => false],
    ];
    for (const [query, filter] of cases) {
      const res = await get(`/api/v1/telemetry/summary?from=2026-09-01&to=2026-10-15&${query}`);
      expect(res.status).toBe(200);
      expectTotalsMatch(res.body.totals, expected((r) => inRange('2026-09-01', '2026-10-15')(r) && filter(r)));
    }
    const conn = fixture.find((r) => r.conn.provider === 'anthropic')!.conn;
    const byConnection = await get(`/api/v1/telemetry/summary?from=2026-09-01&to=2026-10-15&connectionId=${conn.id}`);
    expectTotalsMatch(byConnection.body.totals, expected((r) => inRange('2026-09-01', '2026-10-15')(r) && r.conn.id === conn.id));
  });

  it('defaults to the last 30 days including today', async () => {
    const res = await get('/api/v1/telemetry/summary');
    expect(res.status).toBe(200);
    expect(res.body.daily).toHaveLength(30);
    expect(res.body.daily[29].day).toBe(new Date().toISOString().slice(0, 10));
  });

  it.each([
    ['from=2026-10-01&to=2026-09-01', 'query.from'],
    ['from=2026-09-01&to=2026-09-01', 'query.from'],
    ['from=2025-01-01&to=2026-01-03', 'query.to'],
    ['from=2026-13-01&to=2026-12-01', 'query.from'],
    ['from=yesterday', 'query.from'],
    ['from=2026-02-30', 'query.from'],
    ['projectId=3f9b1c2e-1111-4a2b-9c3d-123456789abc', 'query.projectId'],
    ['projectId=not-a-uuid', 'query.projectId'],
    ['connectionId=3f9b1c2e-1111-4a2b-9c3d-123456789abc', 'query.connectionId'],
    ['provider=gemini', 'query.provider'],
    ['unknown=1', 'query'],
  ])('answers ?%s with 400 naming %s', async (query, field) => {
    const res = await get(`/api/v1/telemetry/summary?${query}`);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
  });

  it('shows another organization nothing, and rejects its project as a filter', async () => {
    const res = await get('/api/v1/telemetry/summary?from=2026-09-01&to=2026-10-15', otherToken);
    expect(res.body.totals.events).toBe('0');
    expect(res.body.models).toEqual([]);
    expect((await get(`/api/v1/telemetry/summary?projectId=${research}`, otherToken)).status).toBe(400);
  });
});

describe('GET /api/v1/telemetry/models', () => {
  it('gives tier, rule and version per model and flags unmatched ones', async () => {
    const res = await get('/api/v1/telemetry/models?from=2026-09-01&to=2026-10-15');
    const byModel = Object.fromEntries(res.body.data.map((m: any) => [m.model, m]));
    expect(byModel['gpt-4o-mini']).toMatchObject({ tier: 'small', matchedRule: 'gpt-4o-mini*', factorVersion: '1.0', isUnmatched: false, provider: 'openai' });
    expect(byModel['claude-sonnet-4-20250514']).toMatchObject({ tier: 'large', isUnmatched: false });
    expect(byModel['acme/mystery-1']).toMatchObject({ tier: 'fallback', isUnmatched: true });
    expectTotalsMatch(byModel['gpt-4o-mini'], expected((r) => inRange('2026-09-01', '2026-10-15')(r) && r.bucket.model === 'gpt-4o-mini'));
  });
});

describe('GET /api/v1/telemetry/events and export', () => {
  async function allEvents(query: string, limit: number) {
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await get(`/api/v1/telemetry/events?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.nextCursor;
    } while (cursor);
    return seen;
  }

  it('returns every event exactly once across pages, in a stable order, with emissions', async () => {
    const events = await allEvents('from=2026-09-01&to=2026-10-15', 37);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events).toHaveLength(expected(inRange('2026-09-01', '2026-10-15')).events);
    const order = events.map((e) => `${e.bucketStart}|${e.id.padStart(20, '0')}`);
    expect(order).toEqual([...order].sort());
    expect(events[0]).toMatchObject({ factorVersion: '1.0', energyWh: { central: expect.stringMatching(/^\d/) } });
  });

  it('caps limit at 500 and rejects a forged cursor', async () => {
    expect((await get('/api/v1/telemetry/events?limit=501')).status).toBe(400);
    expect((await get('/api/v1/telemetry/events?cursor=bm9wZQ')).status).toBe(400);
  });

  it('exports a range as CSV equal to the events endpoint for that range', async () => {
    const query = 'from=2026-09-05&to=2026-09-20&provider=openai';
    const events = await allEvents(query, 500);
    const res = await get(`/api/v1/export?format=csv&${query}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="carbonplan-usage-2026-09-05_2026-09-20.csv"');
    const lines = res.text.trimEnd().split('\r\n');
    const header = lines[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['event_id', 'factor_version', 'energy_wh_low', 'energy_wh_central', 'energy_wh_high', 'co2e_g_low', 'co2e_g_high']));
    const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    expect(rows.map((r) => r.event_id)).toEqual(events.map((e) => e.id));
    expect(rows.map((r) => [r.model, r.input_uncached, r.co2e_g_high, r.factor_version])).toEqual(events.map((e) => [e.model, e.tokens.inputUncached, e.co2eG.high, e.factorVersion]));
  });

  it('exports JSON equal to the events endpoint', async () => {
    const query = 'from=2026-09-01&to=2026-10-15';
    const res = await get(`/api/v1/export?format=json&${query}`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(res.text)).toEqual(await allEvents(query, 500));
  });

  it('exports nothing of another organization', async () => {
    const res = await get('/api/v1/export?format=json&from=2026-09-01&to=2026-10-15', otherToken);
    expect(JSON.parse(res.text)).toEqual([]);
  });
});
