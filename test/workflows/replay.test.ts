// Replays every golden history under test/fixtures/histories/<workflowType>/*.json against the current workflow
// code: a change that would break runs already in flight (non-determinism) fails here. No server is needed.
//
// The fixtures are generated on purpose only, never by a normal test run:
//
//   RECORD_HISTORIES=1 npx jest --testMatch '**/test/workflows/record-histories.ts'
//
// (see test/workflows/record-histories.ts). When a workflow changes incompatibly, guard the change with
// patched()/deprecatePatch() and ADD new fixtures; keep the old ones until no run recorded before the change can
// still be open. Every workflow exported from workflows/index.ts must have a fixture folder.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { installQuietRuntime, workflowBundle } from '../helpers/temporal';

const FIXTURES = path.resolve(__dirname, '../fixtures/histories');

interface JsonHistory { events: Array<Record<string, any>> }

const fixtures = fs.readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => fs.readdirSync(path.join(FIXTURES, d.name)).filter((f) => f.endsWith('.json')).map((f) => ({ workflowType: d.name, file: path.join(d.name, f) })));

const load = (file: string): JsonHistory => JSON.parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'));

/** Workflow functions registered by the worker (signal and query definitions are objects). */
const workflowTypes = Object.entries(workflows).filter(([, v]) => typeof v === 'function').map(([name]) => name);

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  installQuietRuntime();
  bundle = await workflowBundle();
}, 120_000);

describe('workflow replay', () => {
  test('every exported workflow type has at least one fixture, and every fixture folder is a workflow type', () => {
    expect(workflowTypes).toEqual(expect.arrayContaining(['connectionPollingWorkflow', 'connectionRepairWorkflow', 'reconciliationWorkflow', 'billingPeriodWorkflow']));
    const withoutFixtures = workflowTypes.filter((type) => !fixtures.some((f) => f.workflowType === type));
    expect(withoutFixtures).toEqual([]);
    const unknownFolders = [...new Set(fixtures.map((f) => f.workflowType))].filter((type) => !workflowTypes.includes(type));
    expect(unknownFolders).toEqual([]);
  });

  test.each(fixtures.map((f) => [f.file, f.workflowType]))('%s replays without non-determinism', async (file, workflowType) => {
    const history = load(file);
    expect(typeof history.events[0].eventId).toBe('string');
    expect(history.events[0].workflowExecutionStartedEventAttributes.workflowType.name).toBe(workflowType);
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, file);
  });

  test('committed fixtures are append-only: each one listed in MANIFEST.sha256 is present and unchanged, and every fixture is listed', () => {
    // A fixture is the history of runs already in flight: re-recording it would hide exactly the break replay is for.
    const listed = fs.readFileSync(path.join(FIXTURES, 'MANIFEST.sha256'), 'utf8').trim().split('\n').map((line) => {
      const [sha256, file] = line.split(/\s+/);
      return { sha256, file };
    });
    const actual = listed.map(({ file }) => {
      const full = path.join(FIXTURES, file);
      return { sha256: fs.existsSync(full) ? createHash('sha256').update(fs.readFileSync(full)).digest('hex') : 'missing', file };
    });
    expect(actual).toEqual(listed);
    const unlisted = fixtures.map((f) => f.file).filter((file) => !listed.some((l) => l.file === file));
    expect(unlisted).toEqual([]); // a new fixture: append its line with `sha256sum <workflowType>/<scenario>.json >> MANIFEST.sha256`
  });

  test('the replayer does catch non-determinism (a history with a different activity type fails)', async () => {
    const file = fixtures.find((f) => f.workflowType === 'connectionPollingWorkflow')!.file;
    const history = load(file);
    const scheduled = history.events.find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' && e.activityTaskScheduledEventAttributes.activityType.name === 'pollConnection')!;
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'someOtherActivity';
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, 'tampered')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
