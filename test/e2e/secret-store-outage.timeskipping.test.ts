// The secret store unreachable for three poll intervals, then back: Secrets Manager (moto) behind a proxy the
// test cuts, and the local store's directory gone (an unmounted volume). Either way the poll fails on our side:
// no strike, nothing shown to the customer, and the first poll after the store is back catches up. The real
// worker runs on the time-skipping server with its secret cache off, so every poll reaches the store.
import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pollInternalFailures } from '../../activities/poll-failures';
import { loadConfig } from '../../src/config';
import { AwsSecretStore, LocalSecretStore, ProviderKeyStore } from '../../src/integrations/secrets';
import { statusQuery } from '../../workflows';
import { startTestApi, type TestApi } from '../helpers/api';
import { createClerkTestKeys, mintClerkToken } from '../helpers/clerk';
import { isolatedSecrets, testEnv } from '../helpers/env';
import { awaitScheduledCatchUp, expectedBuckets, expectStoredUsage, HOUR, MINUTE, printFigure, usageAround } from '../helpers/fault-usage';
import { GOOD_KEYS } from '../helpers/provider-fakes';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { eventually, installQuietRuntime } from '../helpers/temporal';
import { clockedWorkerOverrides, createClockedTimeSkippingEnv, type ServerClock } from '../helpers/time-skipping';
import { startTestWorker } from '../helpers/worker';
import { startOpenAIFake, type OpenAIFake } from '../fakes/openai.fake';

const keys = createClerkTestKeys();
let env: TestWorkflowEnvironment;
let clock: ServerClock;
let fake: OpenAIFake;
let moto: TcpProxy;

beforeAll(async () => {
  installQuietRuntime();
  ({ env, clock } = await createClockedTimeSkippingEnv());
  fake = await startOpenAIFake({ adminKeys: [GOOD_KEYS.openai], pageSize: 6, now: clock.now });
  const motoUrl = new URL(process.env.AWS_ENDPOINT_URL!);
  moto = await startTcpProxy({ host: motoUrl.hostname, port: Number(motoUrl.port) });
}, 120_000);

afterAll(async () => {
  moto?.restore();
  await moto?.close();
  await fake?.close();
  await env?.teardown();
});

const internalFailures = async () => (await pollInternalFailures.get()).values.reduce((sum, v) => sum + v.value, 0);

/** API with its own store access; worker with `workerEnv` on top and no secret cache. */
async function startStack(overrides: Record<string, string>, workerEnv: Record<string, string> = {}) {
  const appEnv = testEnv({ OPENAI_BASE_URL: fake.baseUrl, TEMPORAL_ADDRESS: env.address, BACKFILL_DAYS: '1', RATE_LIMIT_API_PER_MINUTE: '10000', ...isolatedSecrets(), ...overrides }, keys);
  const api = await startTestApi(loadConfig(appEnv));
  const config = loadConfig({ ...appEnv, ...workerEnv });
  // The backend itself: the cache would serve its last value for a while when the store fails (stale-on-error).
  const backend = config.secrets.backend === 'aws'
    ? new AwsSecretStore({ region: config.aws.region, endpoint: config.aws.endpoint })
    : new LocalSecretStore({ dir: config.secrets.localDir, masterKey: config.secrets.masterKey! });
  const providerKeys = new ProviderKeyStore(backend, config.secrets.prefix);
  const worker = await startTestWorker(config, { ...clockedWorkerOverrides(config, clock), providerKeys });
  const token = `Bearer ${mintClerkToken(keys, { orgId: `org_e2e_secrets_${Date.now()}` })}`;
  return { api, worker, token, appEnv };
}

/** Connections whose pollers are ended after each test, so a failed run leaves no poller behind. */
const started: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((id) => env.client.workflow.getHandle(`connection:${id}`).terminate('test over').catch(() => undefined)));
});

/** Connect, break the store for three hourly polls, mend it, and check the poller took no strike and caught up. */
async function outageRun(api: TestApi, token: string, label: string, breakStore: () => void, mendStore: () => void): Promise<void> {
  const connectionOf = async (id: string) => {
    const res = await api.http.get(`/api/v1/connections/${id}`).set('Authorization', token);
    expect(res.status).toBe(200);
    return res.body;
  };
  const t0 = Math.floor(clock.now().getTime() / HOUR) * HOUR + HOUR + 10 * MINUTE;
  await clock.sleepUntil(t0);
  const rows = usageAround(t0);
  fake.setUsage(rows);
  const created = await api.http.post('/api/v1/connections').set('Authorization', token).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
  expect(created.status).toBe(201);
  const id: string = created.body.id;
  started.push(id);
  const handle = env.client.workflow.getHandle(`connection:${id}`);
  const first = await eventually(async () => {
    const c = await connectionOf(id);
    expect(c.lastSuccessAt).not.toBeNull();
    return c;
  }, { timeoutMs: 30_000 });
  const pollsBefore = (await handle.query(statusQuery)).pollCount;
  const internalBefore = await internalFailures();
  const brokenAt = await env.currentTimeMs();
  breakStore();
  await clock.sleepUntil(brokenAt + 3 * HOUR);

  // Nothing moved: no poll succeeded, none struck.
  const during = await connectionOf(id);
  expect(during).toEqual(first);
  const stateDuring = await handle.query(statusQuery);
  expect(stateDuring).toMatchObject({ status: 'active', strikes: 0 });
  const failedPolls = stateDuring.pollCount - pollsBefore;
  expect(failedPolls).toBeGreaterThanOrEqual(3);
  expect((await internalFailures()) - internalBefore).toBeGreaterThanOrEqual(failedPolls);

  mendStore();
  const after = await awaitScheduledCatchUp(handle, clock, () => connectionOf(id), during.lastSuccessAt);
  expect(after).toMatchObject({ status: 'active', consecutiveFailures: 0, lastError: null });
  const expected = expectedBuckets(rows, Date.parse(after.cursor));
  const events = await expectStoredUsage(api.http, token, id, t0, expected);
  const { strikes } = await handle.query(statusQuery);
  printFigure(`secret store unreachable (${label}) — outage 3 h of poller time, failed polls ${failedPolls} (internal, retried), events ${events}/${expected.size}, strikes ${strikes}`);
}

describe('the secret store unreachable', () => {
  it('Secrets Manager behind a cut connection: our failure, no strike, caught up when back', async () => {
    const { api, worker, token, appEnv } = await startStack({ SECRETS_BACKEND: 'aws', SECRETS_PREFIX: 'carbonplan/fault' }, { AWS_ENDPOINT_URL: moto.urlThrough(process.env.AWS_ENDPOINT_URL!) });
    try {
      expect(appEnv.AWS_ENDPOINT_URL).toBe(process.env.AWS_ENDPOINT_URL);
      await outageRun(api, token, 'Secrets Manager connection cut', () => moto.cut(), () => moto.restore());
      expect(moto.counts.refused).toBeGreaterThan(0);
    } finally {
      moto.restore();
      await worker.stop();
      await api.close();
    }
  }, 120_000);

  it("the local store's directory gone: our failure, no strike, caught up when back", async () => {
    const { api, worker, token, appEnv } = await startStack({});
    const dir = appEnv.SECRETS_LOCAL_DIR!;
    try {
      await outageRun(api, token, 'local directory gone', () => fs.renameSync(dir, `${dir}.away`), () => fs.renameSync(`${dir}.away`, dir));
    } finally {
      if (fs.existsSync(`${dir}.away`)) fs.renameSync(`${dir}.away`, dir);
      await worker.stop();
      await api.close();
    }
  }, 120_000);
});
