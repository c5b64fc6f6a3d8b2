import { Client } from 'pg';
import { startTestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';
import { findFreePort } from '../../../../src/dev/processes';

describe('GET /health', () => {
  it('is 200 when the database and Temporal are up', async () => {
    const api = await startTestApi(testConfig());
    try {
      const res = await api.http.get('/health');
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 200, body: { status: 'ok', checks: { database: { status: 'up' }, temporal: { status: 'up' } } } });
    } finally {
      await api.close();
    }
  });

  it('is 503 naming Temporal when Temporal does not answer', async () => {
    const api = await startTestApi(testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}` }));
    try {
      const res = await api.http.get('/health');
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 503, body: { status: 'degraded', checks: { database: { status: 'up' }, temporal: { status: 'down' } } } });
      // Only up or down in public: the reason is logged.
      expect(res.body.checks.temporal).toEqual({ status: 'down' });
      expect(api.logs()).toContain('health check: dependency down');
    } finally {
      await api.close();
    }
  });

  it('is 503 naming the database when it goes away', async () => {
    // A real outage: a scratch database the API is connected to is dropped under it.
    const admin = new Client({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
    await admin.connect();
    const name = `carbonplan_health_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(process.env.TEST_ADMIN_DATABASE_URL!);
    url.pathname = `/${name}`;
    const api = await startTestApi(testConfig({ DATABASE_URL: url.toString() }));
    try {
      expect((await api.http.get('/health')).status).toBe(200);
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      const res = await api.http.get('/health');
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 503, body: { checks: { database: { status: 'down' }, temporal: { status: 'up' } } } });
    } finally {
      await api.close().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
