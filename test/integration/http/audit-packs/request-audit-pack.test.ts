import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { monthOf } from '../../../../contracts/audit-packs';
import { findFreePort } from '../../../../src/dev/processes';
import { createClerkTestKeys } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { packOrg } from '../../../helpers/audit-pack-api';

const keys = createClerkTestKeys();
let api: TestApi;
let connection: Connection;
let client: Client;
const started: string[] = [];

beforeAll(async () => {
  api = await startTestApi(testConfig({}, keys));
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection });
});
afterAll(async () => {
  // No worker takes the test's task queue: the runs it started would wait for their timeout.
  for (const id of started) await client.workflow.getHandle(id).terminate('test done').catch(() => undefined);
  await connection?.close();
  await api?.close();
});

const runOf = async (workflowId: string) => client.workflow.getHandle(workflowId).describe();

describe('POST /api/v1/audit-packs', () => {
  it('starts the organization\'s pack workflow for the month: 202 with its id and a Location to the list; asking again joins the same run', async () => {
    const org = await packOrg(api, keys, 'pro');
    const res = await api.http.post('/api/v1/audit-packs').set('Authorization', org.admin).send({ month: '2025-06' });
    const workflowId = `audit-pack:${org.id}:2025-06`;
    started.push(workflowId);
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: { month: '2025-06', status: 'building', workflowId } });
    expect(res.headers.location).toBe('/api/v1/audit-packs?month=2025-06');

    const run = await runOf(workflowId);
    expect({ type: run.type, status: run.status.name, taskQueue: run.taskQueue }).toEqual({ type: 'auditPackWorkflow', status: 'RUNNING', taskQueue: api.deps.config.temporal.taskQueue });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    expect(JSON.parse(Buffer.from(input!).toString())).toEqual({ orgId: org.id, month: '2025-06' });

    const again = await api.http.post('/api/v1/audit-packs').set('Authorization', org.admin).send({ month: '2025-06' });
    expect({ status: again.status, body: again.body }).toEqual({ status: 202, body: { month: '2025-06', status: 'building', workflowId } });
    expect((await runOf(workflowId)).runId).toBe(run.runId);
  });

  it('refuses a member (403 FORBIDDEN naming org:admin) and a free organization (403 PLAN_REQUIRED with the upgrade link); nothing is started', async () => {
    const paid = await packOrg(api, keys, 'enterprise');
    const byMember = await api.http.post('/api/v1/audit-packs').set('Authorization', paid.member).send({ month: '2025-06' });
    expect({ status: byMember.status, body: byMember.body }).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringContaining('org:admin') } } });
    await expect(runOf(`audit-pack:${paid.id}:2025-06`)).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const free = await packOrg(api, keys, 'free');
    const onFree = await api.http.post('/api/v1/audit-packs').set('Authorization', free.admin).send({ month: '2025-06' });
    expect({ status: onFree.status, body: onFree.body }).toMatchObject({ status: 403, body: { error: { code: 'PLAN_REQUIRED', details: { upgradeUrl: expect.any(String) } } } });
    await expect(runOf(`audit-pack:${free.id}:2025-06`)).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await api.http.post('/api/v1/audit-packs').send({ month: '2025-06' })).status).toBe(401);
  });

  const now = new Date();
  const nextMonth = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)));
  it.each([
    ['the current month', { month: monthOf(now) }, 'body.month', /closed month/],
    ['a future month', { month: nextMonth }, 'body.month', /closed month/],
    ['a month before 2000', { month: '1999-12' }, 'body.month', /2000-01/],
    ['month 13', { month: '2025-13' }, 'body.month', /YYYY-MM/],
    ['a date', { month: '2025-06-01' }, 'body.month', /YYYY-MM/],
    ['no month', {}, 'body.month', /./],
    ['an unknown field', { month: '2025-06', orgId: 'x' }, 'body', /unknown field/],
  ])('answers 400 naming the field for %s', async (_name, body, field, message) => {
    const org = await packOrg(api, keys, 'pro');
    const res = await api.http.post('/api/v1/audit-packs').set('Authorization', org.admin).send(body);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
    expect(res.body.error.message).toMatch(message);
  });

  it('answers 503 with Retry-After, saying to retry, when Temporal cannot be reached', async () => {
    const offline = await startTestApi(testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}` }, keys));
    try {
      const org = await packOrg(offline, keys, 'pro');
      const res = await offline.http.post('/api/v1/audit-packs').set('Authorization', org.admin).send({ month: '2025-06' });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/retry/) } } });
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await offline.close();
    }
  });
});
