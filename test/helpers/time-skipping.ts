// The time-skipping test server for tests that run the real worker: the server from global setup (never a
// download), stepping time until something holds, and a clock for the code that reads the time itself.
import type { Duration } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../../src/config';
import { createConnectors } from '../../src/connectors';
import { registerSearchAttributes } from './temporal';

/** A fresh time-skipping server (time is global to it: one per file) with our search attributes registered. */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: process.env.TEMPORAL_TEST_SERVER_PATH! } } });
  await registerSearchAttributes(env.connection);
  return env;
}

/** A fresh time-skipping server with a synced clock that follows it: the start of every clocked test file. */
export async function createClockedTimeSkippingEnv(): Promise<{ env: TestWorkflowEnvironment; clock: ServerClock }> {
  const env = await createTimeSkippingEnv();
  const clock = new ServerClock(env);
  await clock.sync();
  return { env, clock };
}

/** Worker overrides so activities and connectors read the test server's time (as the fakes do through `clock`). */
export const clockedWorkerOverrides = (config: Config, clock: ServerClock) =>
  ({ now: clock.now, connectors: createConnectors({ ...config.providers, now: clock.now }) });

/** Advances workflow time in steps until `check` passes (timers, retry back-off and heartbeat timeouts fire). */
export async function skipUntil<T>(env: TestWorkflowEnvironment, step: Duration, check: () => Promise<T>, maxSteps = 40): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await check();
    } catch (err) {
      if (i >= maxSteps) throw err;
      await env.sleep(step);
    }
  }
}

/**
 * The test server's time for code that reads `now()` itself rather than the workflow's clock (activities,
 * connectors, provider fakes): server time at the last `sync()` plus the real time since, never going back.
 * Workflow time jumps only inside `env.sleep`, so call `sync()` (or sleep through this clock) after each jump;
 * between them it runs at the server's pace, since the server is locked to real time while nobody sleeps.
 */
export class ServerClock {
  private serverMs = Date.now();
  private realMs = Date.now();
  private lastMs = 0;

  constructor(private readonly env: TestWorkflowEnvironment) {}

  readonly now = (): Date => {
    this.lastMs = Math.max(this.lastMs, this.serverMs + (Date.now() - this.realMs));
    return new Date(this.lastMs);
  };

  async sync(): Promise<void> {
    const serverMs = await this.env.currentTimeMs();
    this.realMs = Date.now();
    this.serverMs = serverMs;
  }

  async sleep(duration: Duration): Promise<void> {
    await this.env.sleep(duration);
    await this.sync();
  }

  /** Sleeps until the server's clock reads `ms` (at once when it already does). */
  async sleepUntil(ms: number): Promise<void> {
    const wait = ms - (await this.env.currentTimeMs());
    if (wait > 0) await this.env.sleep(wait);
    await this.sync();
  }
}
