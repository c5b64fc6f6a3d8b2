// Shared pieces of the fault tests: hourly usage for the OpenAI fake, what a poll up to an instant must have
// stored (computed from the fake's rows alone, never from our code), the comparison with what the API reports,
// and the one figure line each fault test prints for the issue note.
import type { WorkflowHandle } from '@temporalio/client';
import type TestAgent from 'supertest/lib/agent';
import { statusQuery } from '../../workflows/connection-polling.workflow';
import { eventually } from './temporal';
import type { ServerClock } from './time-skipping';
import type { OpenAIUsageRow } from '../fakes/openai.fake';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const OPENAI_USAGE_PATH = '/v1/organization/usage/completions';

/**
 * Usage from a day before `startMs` to half a day after it, every hour: gpt-4.1 at :02 and :30, o4-mini (with
 * cached input) at :40. A fake with a clock serves a row only once its clock has passed it.
 */
export function usageAround(startMs: number): OpenAIUsageRow[] {
  const first = Math.floor(startMs / HOUR) * HOUR - 24 * HOUR;
  return Array.from({ length: 37 }, (_, i) => first + i * HOUR).flatMap((hour, i) => [
    { startTime: (hour + 2 * MINUTE) / 1000, model: 'gpt-4.1', input_tokens: 4000 + i, output_tokens: 300 + i, num_model_requests: 2 },
    { startTime: (hour + 30 * MINUTE) / 1000, model: 'gpt-4.1', input_tokens: 1000, output_tokens: 100 + 2 * i, num_model_requests: 1 },
    { startTime: (hour + 40 * MINUTE) / 1000, model: 'o4-mini', input_tokens: 2000 + 3 * i, input_cached_tokens: 500, output_tokens: 800, num_model_requests: 1 },
  ]);
}

export interface BucketCounts { inputUncached: string; inputCacheRead: string; output: string; requests: string }

/** What polls up to `untilMs` must store: one entry per hour and model, keyed `<hour ISO> <model>`. */
export function expectedBuckets(rows: OpenAIUsageRow[], untilMs: number): Map<string, BucketCounts> {
  const sums = new Map<string, { inputUncached: number; inputCacheRead: number; output: number; requests: number }>();
  for (const r of rows.filter((row) => row.startTime * 1000 < untilMs)) {
    const key = `${new Date(Math.floor((r.startTime * 1000) / HOUR) * HOUR).toISOString()} ${r.model}`;
    const s = sums.get(key) ?? { inputUncached: 0, inputCacheRead: 0, output: 0, requests: 0 };
    const cached = Number(r.input_cached_tokens ?? 0);
    s.inputUncached += Number(r.input_tokens) - cached;
    s.inputCacheRead += cached;
    s.output += Number(r.output_tokens);
    s.requests += Number(r.num_model_requests);
    sums.set(key, s);
  }
  return new Map([...sums].map(([key, s]) => [key, { inputUncached: String(s.inputUncached), inputCacheRead: String(s.inputCacheRead), output: String(s.output), requests: String(s.requests) }]));
}

interface StoredEvent { bucketStart: string; model: string; requests: string; tokens: Record<string, string> }

/**
 * Reads a connection's events and summary through the API (explicit days around `aroundMs`: a time-skipping
 * server's clock runs ahead of the real one) and asserts they equal `expected` bucket for bucket, each bucket
 * once, and in total. Returns the number of events for the figure line.
 */
export async function expectStoredUsage(http: TestAgent, token: string, connectionId: string, aroundMs: number, expected: Map<string, BucketCounts>): Promise<number> {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const range = `from=${day(aroundMs - 2 * 24 * HOUR)}&to=${day(aroundMs + 3 * 24 * HOUR)}`;
  const res = await http.get(`/api/v1/telemetry/events?connectionId=${connectionId}&limit=500&${range}`).set('Authorization', token);
  expect(res.body.nextCursor).toBeNull();
  const events = res.body.data as StoredEvent[];
  const stored = new Map(events.map((e) => [
    `${new Date(e.bucketStart).toISOString()} ${e.model}`,
    { inputUncached: e.tokens.inputUncached, inputCacheRead: e.tokens.inputCacheRead, output: e.tokens.output, requests: e.requests },
  ]));
  expect(stored.size).toBe(events.length);
  expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(expected));

  const sum = (f: (b: BucketCounts) => string) => String([...expected.values()].reduce((a, b) => a + Number(f(b)), 0));
  const totals = (await http.get(`/api/v1/telemetry/summary?connectionId=${connectionId}&${range}`).set('Authorization', token)).body.totals;
  expect(totals).toMatchObject({
    events: String(expected.size),
    requests: sum((b) => b.requests),
    tokens: { inputUncached: sum((b) => b.inputUncached), inputCacheRead: sum((b) => b.inputCacheRead), inputCacheWrite: '0', output: sum((b) => b.output) },
  });
  return events.length;
}

/** The one line a fault test prints for the issue note, e.g. `fault: temporal restart — downtime 3.1 s, …`. */
export function printFigure(line: string): void {
  process.stdout.write(`fault: ${line}\n`);
}

/**
 * After a fault is mended, sleeps the test server to the poller's next scheduled poll (nobody asks for a sync) and
 * waits until the API shows a success newer than `previousSuccessAt`; returns the connection as the API shows it.
 */
export async function awaitScheduledCatchUp<C extends { lastSuccessAt: string | null }>(
  handle: WorkflowHandle, clock: ServerClock, readConnection: () => Promise<C>, previousSuccessAt: string | null,
): Promise<C> {
  const { nextPollAt } = await handle.query(statusQuery);
  expect(nextPollAt).not.toBeNull();
  await clock.sleepUntil(Date.parse(nextPollAt!) - 1000);
  await clock.sleep('2 seconds');
  return eventually(async () => {
    const c = await readConnection();
    expect(c.lastSuccessAt).not.toBe(previousSuccessAt);
    return c;
  }, { timeoutMs: 30_000 });
}
