import { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Express } from 'express';
import type { Config } from '../../src/config';
import { createApp } from '../../src/http/app';
import { buildAppDeps } from '../../src/http/build-deps';
import { createLogger } from '../../src/logger';
import type { AppDeps } from '../../src/http/deps';

export interface TestApi {
  app: Express;
  http: TestAgent;
  deps: AppDeps;
  /** Every log line the API wrote, as raw JSON text. */
  logs(): string;
  close(): Promise<void>;
}

/** The real app on the run's Postgres and Temporal, with logs captured for assertions. */
export async function startTestApi(config: Config): Promise<TestApi> {
  let captured = '';
  const sink = new Writable({ write(chunk, _enc, done) { captured += chunk.toString(); done(); } });
  const logger = createLogger({ level: 'debug', name: 'api', destination: sink });
  const { deps, close } = await buildAppDeps(config, { logger });
  const app = createApp(deps);
  return { app, http: request(app), deps, logs: () => captured, close };
}

/** Bearer header for supertest's `.set()`. */
export const bearer = (token: string) => ['Authorization', `Bearer ${token}`] as const;
