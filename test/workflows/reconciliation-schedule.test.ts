import { Client, Connection } from '@temporalio/client';
import { ensureReconciliationSchedule, RECONCILIATION_SCHEDULE_ID } from '../../src/integrations/schedules';

describe('the reconciliation-daily schedule', () => {
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).delete().catch(() => undefined);
    await connection.close();
  });

  it('is created idempotently at worker start, fires daily at 03:00 UTC and bounds a pass to 6 hours', async () => {
    await ensureReconciliationSchedule(client, 'queue-a');
    await ensureReconciliationSchedule(client, 'queue-b'); // a second worker start updates instead of failing

    const description = await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).describe();
    expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconciliationWorkflow', taskQueue: 'queue-b' });
    expect(description.policies.overlap).toBe('SKIP');
    // The timeout ends a stuck pass (every continued run included) within the day, so SKIP cannot skip the next days.
    expect(description.action).toMatchObject({ workflowExecutionTimeout: 6 * 3_600_000 });
    const next = description.info.nextActionTimes.map((d) => d.toISOString());
    expect(next.length).toBeGreaterThan(1);
    for (const at of next) expect(at).toMatch(/T03:00:00\.000Z$/);
    expect(new Date(next[1]).getTime() - new Date(next[0]).getTime()).toBe(86_400_000);

    const listed: string[] = [];
    for await (const s of client.schedule.list()) listed.push(s.scheduleId);
    expect(listed.filter((id) => id === RECONCILIATION_SCHEDULE_ID)).toHaveLength(1);
  });
});
