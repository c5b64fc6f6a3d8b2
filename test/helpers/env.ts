import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { TEST_AUTHORIZED_PARTY, TEST_PUBLISHABLE_KEY, type ClerkTestKeys } from './clerk';

/** The environment a test stack runs with: the run's services (from global setup) plus test-only keys. */
export function testEnv(overrides: Record<string, string | undefined> = {}, clerk?: ClerkTestKeys): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
    AWS_REGION: 'us-east-1',
    SECRETS_BACKEND: 'local',
    // One secret store for the whole run, as one deployment has one: signing keys are rows of the shared
    // database whose private halves must be readable by every test that signs (isolatedSecrets() opts out).
    ...(process.env.TEST_SECRETS_LOCAL_DIR && process.env.TEST_SECRETS_MASTER_KEY
      ? { SECRETS_MASTER_KEY: process.env.TEST_SECRETS_MASTER_KEY, SECRETS_LOCAL_DIR: process.env.TEST_SECRETS_LOCAL_DIR }
      : isolatedSecrets()),
    // Free ports: several test files start workers (and APIs) at once.
    METRICS_PORT: '0',
    WORKER_METRICS_PORT: '0',
    // Every test request comes from 127.0.0.1, and many are unauthenticated on purpose: tests of the per-IP
    // limit set their own.
    RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
    // Pollers at :05 exactly, as the tests' clocks expect; test/workflows/poll-spread.* covers the spread.
    POLL_SPREAD_MINUTES: '0',
    ...(clerk
      ? { CLERK_PUBLISHABLE_KEY: TEST_PUBLISHABLE_KEY, CLERK_SECRET_KEY: 'sk_test_dummy', CLERK_JWT_KEY: clerk.publicKeyPem, CLERK_AUTHORIZED_PARTIES: TEST_AUTHORIZED_PARTY }
      : {}),
    ...overrides,
  };
}

/** A secret store of its own, for tests that count the files a request leaves behind. */
export function isolatedSecrets(): { SECRETS_MASTER_KEY: string; SECRETS_LOCAL_DIR: string } {
  return { SECRETS_MASTER_KEY: randomBytes(32).toString('base64'), SECRETS_LOCAL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'carbonplan-secrets-')) };
}

export function testConfig(overrides: Record<string, string | undefined> = {}, clerk?: ClerkTestKeys): Config {
  return loadConfig(testEnv(overrides, clerk));
}
