// The repair activity on MockActivityEnvironment with real Postgres and the run's Temporal dev server. The pollers
// it starts run on a task queue no worker polls: what is asserted is what was started, and in which state.
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createRepairActivities, repairedPollers, type RepairDeps } from '../../../activities/repair.activities';
import type { RepairPageResult } from '../../../contracts/workflows';
import { createDataSource } from '../../../src/db/data-source';
import { findFreePort } from '../../../src/dev/processes';
import { ConnectionWorkflows, connectionWorkflowId } from '../../../src/services/connections/connection-workflows';
import { ConnectionStatusKey, StrikesKey } from '../../../workflows/search-attributes';
import { createConnectionRow, createTenant, type TestTenant } from '../../factories/tenants';
import { uniqueTaskQueue } from '../../helpers/temporal';

let ds: DataSource;
let connection: Connection;
let client: Client;
let deps: RepairDeps;
const started: string[] = [];

beforeAll(async () => {
  ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 4 }).initialize();
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection });
  deps = { dataSource: ds, logger: pino({ level: 'silent' }), workflows: new ConnectionWorkflows({ client, taskQueue: uniqueTaskQueue('repair-activity') }) };
});
afterAll(async () => {
  await Promise.all(started.map((id) => client.workflow.getHandle(connectionWorkflowId(id)).terminate('test over').catch(() => undefined)));
  await connection?.close();
  await ds?.destroy();
});

const mockEnv = () => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });

/** A connection row with a (fake) stored key, in the given state. */
async function liveRow(tenant: TestTenant, columns: Record<string, unknown> = {}): Promise<string> {
  const { id } = await createConnectionRow(ds, tenant);
  const entries = Object.entries({ secret_ref: `carbonplan/test/${id}`, ...columns });
  await ds.query(`UPDATE provider_connections SET ${entries.map(([k], i) => `${k} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...entries.map(([, v]) => v)]);
  return id;
}

const counterValue = async (labels: Record<string, string>) => (await repairedPollers.get()).values.find((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))?.value ?? 0;

describe('repairConnectionPollers', () => {
  it('pages through live connections by id and starts each missing poller in its row state; deleted and keyless rows get none', async () => {
    const tenant = await createTenant(ds);
    const lastError = { code: 'CredentialRejected', message: 'Incorrect API key provided', at: '2026-01-01T00:00:00.000Z' };
    const ids = [
      await liveRow(tenant, { consecutive_failures: 2, cursor: '2026-01-02T10:00:00Z', last_success_at: '2026-01-02T09:05:00Z' }),
      await liveRow(tenant, { status: 'failed', consecutive_failures: 5, last_error: JSON.stringify(lastError) }),
      await liveRow(tenant, { status: 'paused' }),
    ].sort();
    started.push(...ids);
    const deleted = await liveRow(tenant, { status: 'deleted', deleted_at: new Date() });
    const keyless = (await createConnectionRow(ds, tenant)).id;
    const before = { active: await counterValue({ status: 'active' }), failed: await counterValue({ status: 'failed' }), paused: await counterValue({ status: 'paused' }) };

    const run = (after: string | null): Promise<RepairPageResult> =>
      mockEnv().run(createRepairActivities(deps).repairConnectionPollers, { after, limit: 2, concurrency: 2, orgIds: [tenant.orgId] });
    const first = await run(null);
    expect(first).toEqual({ checked: 2, running: 0, started: 2, skipped: 0, failed: 0, nextAfter: ids[1] });
    const second = await run(first.nextAfter);
    expect(second).toEqual({ checked: 1, running: 0, started: 1, skipped: 0, failed: 0, nextAfter: null });

    const rows: Array<{ id: string; status: string; consecutive_failures: number }> = await ds.query(`SELECT id, status, consecutive_failures FROM provider_connections WHERE id = ANY($1)`, [ids]);
    for (const row of rows) {
      const handle = client.workflow.getHandle(connectionWorkflowId(row.id));
      const described = await handle.describe();
      expect({ status: described.status.name, attribute: described.typedSearchAttributes.get(ConnectionStatusKey), strikes: described.typedSearchAttributes.get(StrikesKey) })
        .toEqual({ status: 'RUNNING', attribute: row.status, strikes: row.consecutive_failures });
      const history = await handle.fetchHistory();
      const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
      const input = JSON.parse(Buffer.from(payload).toString('utf8'));
      expect(input).toMatchObject({ connectionId: row.id, orgId: tenant.orgId, provider: 'openai', status: row.status, strikes: row.consecutive_failures });
      if (row.status === 'failed') expect(input.lastError).toEqual(lastError);
      if (row.consecutive_failures === 2) expect(input).toMatchObject({ cursor: '2026-01-02T10:00:00.000Z', lastSuccessAt: '2026-01-02T09:05:00.000Z' });
    }
    expect({
      active: await counterValue({ status: 'active' }) - before.active,
      failed: await counterValue({ status: 'failed' }) - before.failed,
      paused: await counterValue({ status: 'paused' }) - before.paused,
    }).toEqual({ active: 1, failed: 1, paused: 1 });
    for (const id of [deleted, keyless]) await expect(client.workflow.getHandle(connectionWorkflowId(id)).describe()).rejects.toThrow();

    // Run again: all three run now, nothing is started twice.
    expect(await run(null)).toMatchObject({ checked: 2, running: 2, started: 0 });
  });

  it('fails the page, to be retried, when Temporal cannot be reached', async () => {
    const tenant = await createTenant(ds);
    await liveRow(tenant);
    await liveRow(tenant);
    const lazy = Connection.lazy({ address: `127.0.0.1:${await findFreePort()}` }); // nothing listens there
    try {
      const workflows = new ConnectionWorkflows({ client: new Client({ connection: lazy }), taskQueue: 'nowhere' });
      const failure = await mockEnv()
        .run(createRepairActivities({ ...deps, workflows }).repairConnectionPollers, { after: null, limit: 10, concurrency: 1, orgIds: [tenant.orgId] })
        .then(() => undefined, (e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'TemporalUnavailable', nonRetryable: false });
    } finally {
      await lazy.close();
    }
  }, 60_000);
});
