import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../contracts/search-attributes';
import { projectRoot } from '../src/dev/launcher-error';
import { connectionPollingWorkflow } from '../workflows/connection-polling.workflow';
import { fmt } from './bench-db';

const INDEXED: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
};

/**
 * What an hourly wake costs a worker that does not hold the poller in its cache: a replay of the whole history.
 * The cycle above runs on fresh histories (a few dozen events); a poller's history grows by about a dozen events
 * an hour until the server suggests continue-as-new (4,096 events by default, about two weeks). Here one poller
 * runs `hours` hourly polls on the time-skipping server (activities answer at once), then its history is replayed
 * three times and the cheapest replay's CPU time is printed.
 */
export async function measureReplayCost(hoursList: number[]): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(projectRoot(), '.tools', 'venv', 'bin', 'temporal-test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: server } } });
  try {
    const searchAttributes = Object.fromEntries(Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => [name, INDEXED[type]]));
    await env.connection.operatorService.addSearchAttributes({ namespace: 'default', searchAttributes });
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: new DefaultLogger('WARN') });
    const at = () => new Date().toISOString();
    const activities = {
      pollConnection: async () => ({ cursor: at(), buckets: 60, changed: 2, at: at() }),
      setConnectionStatus: async () => undefined,
      recordPollFailure: async () => undefined,
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'replay-cost', workflowBundle, activities });
    const running = worker.run();
    console.log('\nreplay of a poller history (a cache miss on the worker):');
    try {
      for (const hours of hoursList) {
        const handle = await env.client.workflow.start(connectionPollingWorkflow, {
          workflowId: `replay-cost-${hours}`, taskQueue: 'replay-cost',
          args: [{ connectionId: '00000000-0000-4000-8000-000000000001', orgId: '00000000-0000-4000-8000-000000000002', provider: 'openai' }],
        });
        await env.sleep(`${hours} hours`);
        const history = await handle.fetchHistory();
        await handle.terminate('measured');
        const events = history.events?.length ?? 0;
        let best = Infinity;
        for (let i = 0; i < 3; i++) {
          const before = process.cpuUsage();
          await Worker.runReplayHistory({ workflowBundle, replayName: `replay-cost-${hours}-${i}` }, history, `replay-cost-${hours}`);
          const used = process.cpuUsage(before);
          best = Math.min(best, (used.user + used.system) / 1000);
        }
        const bytes = temporal.api.history.v1.History.encode(history).finish().length;
        console.log(`  ${String(hours).padStart(4)} hours of polls: ${fmt(events)} events, ${fmt(bytes)} bytes; replay ${fmt(best)} ms CPU`);
      }
    } finally {
      worker.shutdown();
      await running;
    }
  } finally {
    await env.teardown();
  }
}
