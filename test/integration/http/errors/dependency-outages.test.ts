// Dependencies that hang or vanish must not hang the API: a silent Postgres (accepts TCP, never answers) costs a
// request the pool's connect timeout and answers 503 with Retry-After; a silent Redis lets requests through
// uncounted within a quarter second; an unreachable Temporal answers 503, never 500. /health says up or down only.
import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig, testEnv } from '../../../helpers/env';
import { GOOD_KEYS, startProviderFakes } from '../../../helpers/provider-fakes';
import { startSilentServer, type SilentServer } from '../../../helpers/silent-server';
import { findFreePort } from '../../../../src/dev/processes';

const keys = createClerkTestKeys();
const token = (suffix: string) => `Bearer ${mintClerkToken(keys, { orgId: `org_outage_${suffix}_${Date.now()}` })}`;
const CONNECT_TIMEOUT_MS = 500;

async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await run();
  return { result, ms: Date.now() - started };
}

describe('Postgres that accepts connections and never answers', () => {
  let silent: SilentServer;
  let api: TestApi;
  beforeAll(async () => {
    const db = new URL(process.env.DATABASE_URL!);
    silent = await startSilentServer({ target: { host: db.hostname, port: Number(db.port || 5432) } });
    db.hostname = '127.0.0.1';
    db.port = String(silent.port);
    api = await startTestApi(testConfig({ DATABASE_URL: db.toString(), DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) }, keys));
    // Healthy through the forwarder first, so the pool holds live connections that the silence then drops.
    expect((await api.http.get('/health')).status).toBe(200);
    silent.silence();
    await new Promise((resolve) => setTimeout(resolve, 200));
  });
  afterAll(async () => { await api.close().catch(() => undefined); await silent.close(); });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After within the connect timeout, not a 500 or a hang', async () => {
    const { result: res, ms } = await timed(() => api.http.get('/api/v1/projects').set('Authorization', token('pg')));
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 10_000); // bounded (a hang would last minutes); loose for a loaded machine
    expect(silent.silentConnections).toBeGreaterThan(0);
    expect(api.logs()).toContain('dependency unavailable');
  });

  it('/health says the database is down and nothing more; the reason is in the log', async () => {
    const res = await api.http.get('/health');
    expect({ status: res.status, body: res.body }).toEqual({ status: 503, body: { status: 'degraded', checks: { database: { status: 'down' }, temporal: { status: 'up' } } } });
    expect(api.logs()).toContain('due to connection timeout');
  });
});

describe('a silent Redis rate-limit store', () => {
  // Answers the connection's handshake (CLIENT SETINFO, the INFO ready check), then reads and never writes:
  // ioredis believes it is connected and sends its commands into the silence.
  const greetAsRedis = (chunk: Buffer) => {
    const commands = chunk.toString().split('\r\n').filter((line, i, lines) => lines[i - 1] === '$' + line.length && /^[A-Za-z]+$/.test(line) && lines[i - 2]?.startsWith('*'));
    const info = '# Server\r\nredis_version:7.2.0\r\nloading:0\r\n';
    const answer = commands.map((c) => (/^info$/i.test(c) ? `$${Buffer.byteLength(info)}\r\n${info}\r\n` : '+OK\r\n')).join('');
    return { answer, isDone: commands.some((c) => /^info$/i.test(c)) };
  };

  it.each([
    ['never answers at all', undefined],
    ['goes silent after the handshake', greetAsRedis],
  ])('lets requests through at once, uncounted, when Redis %s (fail open after the 150 ms command timeout)', async (_case, greet) => {
    const silent = await startSilentServer({ greet });
    const api = await startTestApi(testConfig({ RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${silent.port}`, RATE_LIMIT_PUBLIC_PER_MINUTE: '2' }, keys));
    try {
      if (greet) await api.deps.rateLimitStores!.ready();
      for (let i = 0; i < 4; i += 1) {
        const { result: res, ms } = await timed(() => api.http.get('/openapi.json'));
        // The store gives up after its 150 ms command timeout; without it the request would hang until Jest's own
        // timeout. The bound is loose so a loaded CI machine cannot fail it; 4 answers past a limit of 2 prove
        // the requests went through uncounted.
        expect({ status: res.status, isPrompt: ms < 2_000 }).toEqual({ status: 200, isPrompt: true });
      }
      expect(silent.silentConnections).toBeGreaterThan(0);
    } finally {
      await api.close();
      await silent.close();
    }
  });
});

describe('Temporal on a closed port', () => {
  it('create-connection answers 503 with Retry-After and stores nothing; /health says temporal is down only', async () => {
    const fakes = await startProviderFakes();
    const api = await startTestApi(testConfig(testEnv({ ...fakes.env, TEMPORAL_ADDRESS: `127.0.0.1:${await findFreePort()}` }, keys), keys));
    try {
      const auth = token('temporal');
      const res = await api.http.post('/api/v1/connections').set('Authorization', auth).send({ provider: 'openai', apiKey: GOOD_KEYS.openai });
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 503, body: { error: { code: 'SERVICE_UNAVAILABLE' } } });
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      const list = await api.http.get('/api/v1/connections').set('Authorization', auth);
      expect({ status: list.status, data: list.body.data }).toEqual({ status: 200, data: [] });

      const health = await api.http.get('/health');
      expect({ status: health.status, body: health.body }).toEqual({ status: 503, body: { status: 'degraded', checks: { database: { status: 'up' }, temporal: { status: 'down' } } } });
    } finally {
      await api.close();
      await fakes.close();
    }
  });
});
