// One history per provider account, end to end with the real worker: reconnecting a deleted key, or connecting
// another admin key of an account whose connection was deleted, restores that connection (same id, history and
// cursor) instead of backfilling and counting the same usage a second time under a new id.
import { loadConfig } from '../../src/config';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { startTestApi, type TestApi } from '../helpers/api';
import { testEnv } from '../helpers/env';
import { GOOD_KEYS, startProviderFakes, type ProviderFakes } from '../helpers/provider-fakes';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { startTestWorker, type TestWorker } from '../helpers/worker';

const keys = createClerkTestKeys();
const SECOND_ANTHROPIC_KEY = 'sk-ant-admin01-second-00000anthropic';
const HOUR = 3_600_000;
const thisHour = Math.floor(Date.now() / HOUR) * HOUR;
let fakes: ProviderFakes;
let api: TestApi;
let worker: TestWorker;

beforeAll(async () => {
  installQuietRuntime();
  fakes = await startProviderFakes({ extraKeys: { anthropic: [SECOND_ANTHROPIC_KEY] } });
  fakes.openai.setUsage(Array.from({ length: 10 }, (_, i) => (
    { startTime: (thisHour - (10 - i) * HOUR) / 1000 + 60, model: 'gpt-4o', input_tokens: 10_000 + i, output_tokens: 700 + i, num_model_requests: 3 }
  )));
  fakes.anthropic.setUsage(Array.from({ length: 10 }, (_, i) => (
    { startingAt: new Date(thisHour - (10 - i) * HOUR), model: 'claude-sonnet-4-5', uncached_input_tokens: 4000 + i, output_tokens: 500 + i }
  )));
  const config = loadConfig(testEnv({ ...fakes.env, BACKFILL_DAYS: '2', RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  api = await startTestApi(config);
  worker = await startTestWorker(config);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await fakes?.close();
});

function asOrg(name: string) {
  const token = `Bearer ${mintClerkToken(keys, { orgId: `org_history_${name}_${Date.now()}` })}`;
  return {
    get: (url: string) => api.http.get(url).set('Authorization', token),
    post: (url: string, body: object) => api.http.post(url).set('Authorization', token).send(body),
    delete: (url: string) => api.http.delete(url).set('Authorization', token),
  };
}
type Org = ReturnType<typeof asOrg>;

/** Waits for a poll that succeeded after `since` and returns the connection as the API shows it. */
const polledAfter = (org: Org, id: string, since: number) => eventually(async () => {
  const res = await org.get(`/api/v1/connections/${id}`);
  expect(Date.parse(res.body.lastSuccessAt ?? '1970-01-01')).toBeGreaterThan(since);
  return res.body;
}, { timeoutMs: 60_000 });

/** The organization-wide totals and event count: what a double count would inflate. */
async function orgTotals(org: Org) {
  const summary = (await org.get('/api/v1/telemetry/summary')).body;
  const events = (await org.get('/api/v1/telemetry/events?limit=500')).body.data as Array<{ connectionId: string }>;
  return { tokens: summary.totals.tokens, co2e: summary.totals.co2eG, events: events.length, connections: new Set(events.map((e) => e.connectionId)).size };
}

describe('one history per provider account', () => {
  it('reconnecting a deleted key restores the connection: same id and cursor, no second backfill, totals unchanged', async () => {
    const org = asOrg('samekey');
    const created = await org.post('/api/v1/connections', { provider: 'openai', apiKey: GOOD_KEYS.openai, name: 'Prod' });
    expect(created.status).toBe(201);
    const first = await polledAfter(org, created.body.id, 0);
    const before = await orgTotals(org);
    expect(before).toMatchObject({ events: 10, connections: 1 });

    expect((await org.delete(`/api/v1/connections/${first.id}`)).status).toBe(204);
    const restoredAt = Date.now();
    const usageCallsBefore = fakes.openai.requests.length;
    const again = await org.post('/api/v1/connections', { provider: 'openai', apiKey: GOOD_KEYS.openai });
    expect({ status: again.status, id: again.body.id, createdAt: again.body.createdAt, cursor: again.body.cursor, name: again.body.name })
      .toEqual({ status: 201, id: first.id, createdAt: first.createdAt, cursor: first.cursor, name: 'Prod' });

    await polledAfter(org, first.id, restoredAt);
    expect(await orgTotals(org)).toEqual(before);
    // The poll after the restore resumed from the old cursor (minus the re-read overlap), not a 2-day backfill.
    const pollStart = fakes.openai.requests.slice(usageCallsBefore)
      .find((r) => r.path === '/v1/organization/usage/completions' && r.query.get('limit') === '168')?.query.get('start_time');
    expect(Number(pollStart) * 1000).toBeGreaterThan(Date.parse(first.cursor) - 49 * HOUR);
  });

  it('refuses a second live key of one Anthropic organization with a 409 naming the first, and restores it after a delete', async () => {
    const org = asOrg('account');
    const created = await org.post('/api/v1/connections', { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic });
    expect(created.status).toBe(201);
    expect(created.body.providerAccount).toEqual({ id: '12345678-1234-5678-1234-567812345678', name: 'Fake Org' });
    const first = await polledAfter(org, created.body.id, 0);
    const before = await orgTotals(org);
    expect(before).toMatchObject({ events: 10, connections: 1 });

    const twin = await org.post('/api/v1/connections', { provider: 'anthropic', apiKey: SECOND_ANTHROPIC_KEY });
    expect({ status: twin.status, code: twin.body.error?.code, connectionId: twin.body.error?.details?.connectionId })
      .toEqual({ status: 409, code: 'CONFLICT', connectionId: first.id });
    expect(twin.body.error.message).toMatch(/Fake Org/);
    expect((await org.get('/api/v1/connections')).body.data).toHaveLength(1);

    expect((await org.delete(`/api/v1/connections/${first.id}`)).status).toBe(204);
    const restoredAt = Date.now();
    const other = await org.post('/api/v1/connections', { provider: 'anthropic', apiKey: SECOND_ANTHROPIC_KEY });
    expect({ status: other.status, id: other.body.id, keyHint: other.body.keyHint }).toEqual({ status: 201, id: first.id, keyHint: SECOND_ANTHROPIC_KEY.slice(-4) });
    await polledAfter(org, first.id, restoredAt);
    expect(await orgTotals(org)).toEqual(before);
  });

  it('keeps separate organizations apart: the same account connected by another organization is its own connection', async () => {
    const mine = asOrg('tenantA');
    const theirs = asOrg('tenantB');
    const a = await mine.post('/api/v1/connections', { provider: 'anthropic', apiKey: GOOD_KEYS.anthropic });
    const b = await theirs.post('/api/v1/connections', { provider: 'anthropic', apiKey: SECOND_ANTHROPIC_KEY });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.id).not.toBe(a.body.id);
    expect(JSON.stringify(b.body)).not.toContain(a.body.id);
  });
});
