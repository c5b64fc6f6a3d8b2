import { createClerkTestKeys, mintClerkToken } from '../../../helpers/clerk';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

const keys = createClerkTestKeys();
let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi(testConfig({ RATE_LIMIT_API_PER_MINUTE: '10000' }, keys));
  token = `Bearer ${mintClerkToken(keys, { orgId: `org_estimate_${Date.now()}` })}`;
});
afterAll(async () => { await api.close(); });

const estimate = (body: object) => api.http.post('/api/v1/estimate').set('Authorization', token).send(body);

describe('POST /api/v1/estimate', () => {
  it('computes tier, factor version and bounded energy and CO2e from the published factors, as exact decimals', async () => {
    const res = await estimate({ model: 'gpt-4o-2024-08-06', provider: 'openai', inputTokens: 1000, outputTokens: 1000 });
    expect({ status: res.status, tier: res.body.tier, version: res.body.factorVersion, isUnmatched: res.body.isUnmatched }).toEqual({ status: 200, tier: 'large', version: '1.0', isUnmatched: false });
    // large tier: prefill [0.12, 0.04, 0.40], decode [0.90, 0.30, 2.7] Wh/1k; OpenAI PUE [1.18, 1.12, 1.25]; default grid [370, 200, 480].
    expect(res.body.energyWh).toEqual({ central: '1.2036', low: '0.3808', high: '3.875' });
    expect(res.body.co2eG).toEqual({ central: '0.445332', low: '0.07616', high: '1.86' });
  });

  it('answers the figures ingestion would store, unrounded: one cached token has 11 fraction digits of CO2e', async () => {
    // small tier cached [0.0013, 0.0003, 0.006] Wh/1k, default PUE [1.15, 1.09, 1.40]; 9 digits used to round 0.00000055315 to 0.000000553.
    const res = await estimate({ model: 'gpt-4o-mini', inputTokens: 1, cachedTokens: 1, outputTokens: 0 });
    expect({ status: res.status, energyWh: res.body.energyWh, co2eG: res.body.co2eG }).toEqual({
      status: 200,
      energyWh: { central: '0.000001495', low: '0.000000327', high: '0.0000084' },
      co2eG: { central: '0.00000055315', low: '0.0000000654', high: '0.000004032' },
    });
  });

  it('charges cached input at the cached rate and cache writes as prefill, never double counting reasoning', async () => {
    const body = { model: 'claude-sonnet-4-20250514', provider: 'anthropic', inputTokens: 10_000, cachedTokens: 8000, cacheWriteTokens: 1000, outputTokens: 500 };
    const plain = await estimate(body);
    const withReasoning = await estimate({ ...body, reasoningTokens: 400 });
    // (2,000 prefill × 0.12 + 8,000 cached × 0.012 + 500 decode × 0.9) / 1000 × PUE 1.13
    expect(plain.body.energyWh.central).toBe('0.88818');
    expect(withReasoning.body.energyWh).toEqual(plain.body.energyWh);
  });

  it('flags an unknown model and uses the fallback tier', async () => {
    const res = await estimate({ model: 'acme/brand-new-model', inputTokens: 10, outputTokens: 10 });
    expect(res.body).toMatchObject({ tier: 'fallback', isUnmatched: true, matchedRule: '*' });
  });

  it.each([
    [{ model: '', inputTokens: 1, outputTokens: 1 }, 'body.model'],
    [{ model: 'gpt-4o', inputTokens: -1, outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', inputTokens: 1.5, outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', inputTokens: 1, outputTokens: 1e15 }, 'body.outputTokens'],
    [{ model: 'gpt-4o', inputTokens: '100', outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', outputTokens: 1 }, 'body.inputTokens'],
    [{ model: 'gpt-4o', inputTokens: 10, cachedTokens: 20, outputTokens: 1 }, 'body.cachedTokens'],
    [{ model: 'gpt-4o', inputTokens: 10, outputTokens: 1, reasoningTokens: 5 }, 'body.reasoningTokens'],
    [{ model: 'gpt-4o', inputTokens: 10, outputTokens: 1, provider: 'acme' }, 'body.provider'],
  ])('answers %j with 400 naming %s', async (body, field) => {
    const res = await estimate(body);
    expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field });
  });

  it('requires authentication', async () => {
    expect((await api.http.post('/api/v1/estimate').send({ model: 'gpt-4o', inputTokens: 1, outputTokens: 1 })).status).toBe(401);
  });
});
