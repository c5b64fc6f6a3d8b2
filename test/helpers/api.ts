import { Writable } from 'node:stream';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { Express } from 'express';
import type { Config } from '../../src/config';
import { createApp } from '../../src/http/app';
import type { ContractViolation } from '../../src/http/middleware/response-contract';
import { ROUTES } from '../../src/http/routes';
import { buildAppDeps } from '../../src/http/build-deps';
import { createLogger } from '../../src/logger';
import type { AppDeps } from '../../src/http/deps';

export interface TestApi {
  app: Express;
  http: TestAgent;
  deps: AppDeps;
  /** Every log line the API wrote, as raw JSON text. */
  logs(): string;
  /** Answers that broke their route's contract (each was replaced by a 500); close() fails when there are any. */
  contractViolations(): ContractViolation[];
  close(): Promise<void>;
}

/**
 * The real app on the run's Postgres and Temporal, with logs captured for assertions. Every answer is checked against
 * its route's contract (status, content type, body schema, the one error body): a mismatch turns the answer into a
 * 500 naming it and makes close() throw, so the suite fails loudly where the API and its contract disagree.
 */
export async function startTestApi(config: Config): Promise<TestApi> {
  let captured = '';
  const sink = new Writable({ write(chunk, _enc, done) { captured += chunk.toString(); done(); } });
  const logger = createLogger({ level: 'debug', name: 'api', destination: sink });
  const { deps, close } = await buildAppDeps(config, { logger });
  const violations: ContractViolation[] = [];
  const app = createApp(deps, ROUTES, { onContractViolation: (v) => { violations.push(v); } });
  return {
    app, http: request(app), deps, logs: () => captured, contractViolations: () => [...violations],
    close: async () => {
      await close();
      if (violations.length > 0) {
        throw new Error(`${violations.length} answer(s) broke their contract:\n${violations.slice(0, 10).map((v) => `  ${v.method} ${v.path} ${v.status}: ${v.problem}\n    body: ${v.body.slice(0, 200)}`).join('\n')}`);
      }
    },
  };
}

/** Bearer header for supertest's `.set()`. */
export const bearer = (token: string) => ['Authorization', `Bearer ${token}`] as const;
