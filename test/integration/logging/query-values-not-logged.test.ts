// A failing TypeORM query carries its SQL and bound values (`query`, `parameters`) and Postgres's `detail`
// repeats conflicting values: none of it may reach the log, neither through the logger nor through req.log.
import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { QueryFailedError, type DataSource } from 'typeorm';
import { createDataSource } from '../../../src/db/data-source';
import { errorHandler } from '../../../src/http/middleware/error-handler';
import { requestContext } from '../../../src/http/middleware/request-context';
import { createLogger } from '../../../src/logger';

const FINGERPRINT = `fp${'ab12'.repeat(15)}`;
let ds: DataSource;

beforeAll(async () => { ds = await createDataSource({ url: process.env.DATABASE_URL!, poolSize: 1 }).initialize(); });
afterAll(async () => {
  await ds.query(`DELETE FROM organizations WHERE clerk_org_id = $1`, [FINGERPRINT]);
  await ds.destroy();
});

function capturingLogger() {
  let text = '';
  const sink = new Writable({ write(chunk, _enc, done) { text += chunk.toString(); done(); } });
  return { logger: createLogger({ level: 'debug', name: 'test', destination: sink }), text: () => text };
}

/** A unique violation whose parameters and detail both hold the value. */
async function failingQuery(): Promise<QueryFailedError> {
  await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ($1, 'log test') ON CONFLICT DO NOTHING`, [FINGERPRINT]);
  const err = await ds.query(`INSERT INTO organizations (clerk_org_id, name) VALUES ($1, 'log test')`, [FINGERPRINT]).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(QueryFailedError);
  // The premise: the error object itself does carry the value in several places.
  expect(JSON.stringify({ p: (err as QueryFailedError).parameters, d: (err as { driverError: { detail: string } }).driverError.detail })).toContain(FINGERPRINT);
  return err as QueryFailedError;
}

describe('logged query errors', () => {
  it('keep type, message, code and constraint but not query, parameters or detail (logger)', async () => {
    const { logger, text } = capturingLogger();
    logger.error({ err: await failingQuery() }, 'insert failed');
    logger.warn({ error: await failingQuery() }, 'insert failed again');
    expect(text()).not.toContain(FINGERPRINT);
    expect(text()).not.toContain('INSERT INTO');
    const line = JSON.parse(text().split('\n')[0]);
    expect(line.err).toMatchObject({ type: 'QueryFailedError', message: expect.stringContaining('duplicate key'), code: '23505', driverError: { code: '23505', constraint: expect.any(String) } });
  });

  it('do not reach the log through a request (pino-http and the error middleware)', async () => {
    const { logger, text } = capturingLogger();
    const app = express();
    app.use(requestContext(logger));
    app.get('/boom', async () => { throw await failingQuery(); });
    app.use(errorHandler);
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(text()).toContain('unexpected error');
    expect(text()).not.toContain(FINGERPRINT);
    expect(text()).not.toContain('INSERT INTO');
  });
});
