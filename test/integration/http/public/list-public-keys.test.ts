import { PublicKeySet } from '../../../../contracts/signing-keys';
import { startTestApi, type TestApi } from '../../../helpers/api';
import { testConfig } from '../../../helpers/env';

describe('GET /public/keys', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(testConfig());
  });
  afterAll(async () => api?.close());

  it('is a JWK Set of Ed25519 keys with their validity, the active receipt key included, without authentication', async () => {
    const active = await api.deps.services.signingKeys.activeKey('receipt');
    const res = await api.http.get('/public/keys');
    expect({ status: res.status, type: res.type }).toEqual({ status: 200, type: 'application/jwk-set+json' });
    const set = PublicKeySet.parse(JSON.parse(res.text));
    const jwk = set.keys.find((k) => k.kid === active.keyId);
    expect(jwk).toEqual({
      kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', purpose: 'receipt', kid: active.keyId,
      x: Buffer.from(active.publicKey).toString('base64url'), createdAt: active.createdAt.toISOString(), retiredAt: null, revokedAt: null,
    });
    for (const key of set.keys) expect(JSON.stringify(key)).not.toMatch(/secret|seed|"d"/i);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('counts against the per-IP limit of public routes', async () => {
    const limited = await startTestApi(testConfig({ RATE_LIMIT_PUBLIC_PER_MINUTE: '2' }));
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.http.get('/public/keys')).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
